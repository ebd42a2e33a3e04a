package betterauth

import "errors"

// Error is a verification failure with a stable machine code. Every error
// that Verify returns matches exactly one of the sentinels below with
// errors.Is. No Error's text contains the token or a secret.
type Error struct {
	code string
	msg  string
}

// Code returns the stable machine code, such as "token_expired".
func (e *Error) Code() string { return e.code }

func (e *Error) Error() string { return "betterauth: " + e.msg }

// The verification errors. Their codes never change.
var (
	ErrTokenMissing     = &Error{"token_missing", "no bearer token"}
	ErrTokenMalformed   = &Error{"token_malformed", "token is malformed"}
	ErrAlgNotAllowed    = &Error{"alg_not_allowed", "signing algorithm not allowed"}
	ErrKIDUnknown       = &Error{"kid_unknown", "signing key not found"}
	ErrSignatureInvalid = &Error{"signature_invalid", "signature is invalid"}
	ErrTokenExpired     = &Error{"token_expired", "token has expired"}
	ErrTokenNotYetValid = &Error{"token_not_yet_valid", "token is not valid yet"}
	ErrIssuerInvalid    = &Error{"issuer_invalid", "issuer is not accepted"}
	ErrAudienceInvalid  = &Error{"audience_invalid", "audience is not accepted"}
	ErrTokenTypeInvalid = &Error{"token_type_invalid", "token type is not accepted"}
	ErrSubjectMissing   = &Error{"subject_missing", "token has no subject"}
	ErrKeysUnavailable  = &Error{"keys_unavailable", "signing keys are unavailable"}
)

// detailError adds a short, token-free explanation to a sentinel while still
// matching it with errors.Is.
type detailError struct {
	kind   *Error
	detail string
}

func (e *detailError) Error() string { return e.kind.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.kind }

func fail(kind *Error, detail string) error {
	return &detailError{kind: kind, detail: detail}
}

// Code returns the machine code of a verification error, or "" when err is
// not one.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.code
	}
	return ""
}

// Description returns a short, human-readable reason for a verification
// error, suitable for an error_description (RFC 6750 §3). It never contains
// the token or a secret.
func Description(err error) string {
	var d *detailError
	if errors.As(err, &d) {
		return d.kind.msg + ": " + d.detail
	}
	var e *Error
	if errors.As(err, &e) {
		return e.msg
	}
	return "token verification failed"
}
