package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/betterauth"
)

// Codes of the errors the API answers with, besides the verification codes
// of package betterauth. They never change.
const (
	codeForbidden            = "forbidden"
	codeNotFound             = "not_found"
	codeValidationFailed     = "validation_failed"
	codePayloadTooLarge      = "payload_too_large"
	codeUnsupportedMediaType = "unsupported_media_type"
	codeMethodNotAllowed     = "method_not_allowed"
	codeUnavailable          = "unavailable"
	codeInternal             = "internal"
)

// statuses maps every error code the API answers with to its status. It is
// never modified.
var statuses = map[string]int{
	"token_missing":       http.StatusUnauthorized,
	"token_malformed":     http.StatusUnauthorized,
	"alg_not_allowed":     http.StatusUnauthorized,
	"kid_unknown":         http.StatusUnauthorized,
	"signature_invalid":   http.StatusUnauthorized,
	"token_expired":       http.StatusUnauthorized,
	"token_not_yet_valid": http.StatusUnauthorized,
	"issuer_invalid":      http.StatusUnauthorized,
	"audience_invalid":    http.StatusUnauthorized,
	"token_type_invalid":  http.StatusUnauthorized,
	"subject_missing":     http.StatusUnauthorized,
	"keys_unavailable":    http.StatusServiceUnavailable,

	codeForbidden:            http.StatusForbidden,
	codeNotFound:             http.StatusNotFound,
	codeValidationFailed:     http.StatusBadRequest,
	codePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	codeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	codeMethodNotAllowed:     http.StatusMethodNotAllowed,
	codeUnavailable:          http.StatusServiceUnavailable,
	codeInternal:             http.StatusInternalServerError,
}

// internalDetail is all a client learns of an internal error.
const internalDetail = "The server failed to answer the request."

// retryAfter is the Retry-After, in seconds, of every 503 answer.
const retryAfter = "5"

// apiError is an error the handlers answer with directly: a code from
// statuses and a detail that is safe to show to the client.
type apiError struct {
	code   string
	detail string
}

func (e *apiError) Error() string { return e.code + ": " + e.detail }

func errorf(code, format string, args ...any) error {
	return &apiError{code: code, detail: fmt.Sprintf(format, args...)}
}

// problem is a problem details object (RFC 9457 §3). Type is always
// about:blank, so Title is the status phrase (§4.2.1) and Code tells the
// kinds of problem apart.
type problem struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Detail string                 `json:"detail"`
	Code   string                 `json:"code"`
	Errors []gatehouse.FieldError `json:"errors,omitempty"`
}

// writeError writes the response for err; every error response of the API
// is written here. An error that is none of the known kinds is answered
// with a generic internal error. The error behind any 5xx answer is left
// for the request's log line.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	// A client that went away made the store give up; the server is
	// fine, so the log line says which request, not an error.
	canceled := errors.Is(err, context.Canceled) && r.Context().Err() != nil
	if canceled {
		err = errorf(codeUnavailable, "The request was canceled before it was served.")
	}
	p := problemFor(err)
	status, ok := statuses[p.Code]
	if !ok {
		// A code missing from the table is a bug, not the client's fault.
		p = problem{Code: codeInternal, Detail: internalDetail}
		status = http.StatusInternalServerError
	}
	if status >= 500 && !canceled {
		noteError(r, err)
	}
	if info := infoFrom(r); info != nil {
		info.code = p.Code
	}
	p.Type = "about:blank"
	p.Status = status
	p.Title = http.StatusText(p.Status)

	h := w.Header()
	if p.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", retryAfter)
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// problemFor tells the code, detail and invalid fields of err.
func problemFor(err error) problem {
	var ae *apiError
	var ve *gatehouse.ValidationError
	switch {
	case errors.As(err, &ae):
		return problem{Code: ae.code, Detail: ae.detail}
	case errors.As(err, &ve):
		return problem{
			Code:   codeValidationFailed,
			Detail: "The request has invalid fields.",
			Errors: ve.Fields,
		}
	case errors.Is(err, gatehouse.ErrNotFound):
		return problem{Code: codeNotFound, Detail: "The task does not exist."}
	case errors.Is(err, gatehouse.ErrUnavailable),
		errors.Is(err, context.DeadlineExceeded):
		return problem{
			Code:   codeUnavailable,
			Detail: "The service is unavailable for now; retry later.",
		}
	case betterauth.Code(err) != "":
		return problem{Code: betterauth.Code(err), Detail: betterauth.Description(err)}
	}
	return problem{Code: codeInternal, Detail: internalDetail}
}
