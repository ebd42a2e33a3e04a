package betterauth

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode"
)

func TestError_Code(t *testing.T) {
	tests := []struct {
		err  *Error
		code string
	}{
		{ErrTokenMissing, "token_missing"},
		{ErrTokenMalformed, "token_malformed"},
		{ErrAlgNotAllowed, "alg_not_allowed"},
		{ErrKIDUnknown, "kid_unknown"},
		{ErrSignatureInvalid, "signature_invalid"},
		{ErrTokenExpired, "token_expired"},
		{ErrTokenNotYetValid, "token_not_yet_valid"},
		{ErrIssuerInvalid, "issuer_invalid"},
		{ErrAudienceInvalid, "audience_invalid"},
		{ErrTokenTypeInvalid, "token_type_invalid"},
		{ErrSubjectMissing, "subject_missing"},
		{ErrKeysUnavailable, "keys_unavailable"},
	}
	if len(tests) != len(sentinels) {
		t.Fatalf("%d codes listed for %d sentinels", len(tests), len(sentinels))
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := tt.err.Code(); got != tt.code {
				t.Errorf("Code() = %q, want %q", got, tt.code)
			}
			if got := Code(tt.err); got != tt.code {
				t.Errorf("Code(err) = %q, want %q", got, tt.code)
			}
			if got := Code(fmt.Errorf("verify: %w", tt.err)); got != tt.code {
				t.Errorf("Code(wrapped) = %q, want %q", got, tt.code)
			}
			msg := tt.err.Error()
			if !strings.HasPrefix(msg, "betterauth: ") {
				t.Errorf("Error() = %q lacks the package prefix", msg)
			}
			rest := strings.TrimPrefix(msg, "betterauth: ")
			if rest == "" || unicode.IsUpper(rune(rest[0])) || strings.ContainsAny(msg[len(msg)-1:], ".!?") {
				t.Errorf("Error() = %q: want lower case, no trailing punctuation", msg)
			}
			if Description(tt.err) == "" {
				t.Error("Description is empty")
			}
			checkErr(t, tt.err, "", tt.err)
		})
	}
}

func TestCode_Foreign(t *testing.T) {
	for _, err := range []error{nil, io.EOF, errors.New("betterauth: token_expired")} {
		if c := Code(err); c != "" {
			t.Errorf("Code(%v) = %q, want empty", err, c)
		}
		if err != nil && Description(err) == "" {
			t.Errorf("Description(%v) is empty", err)
		}
	}
	if d := Description(io.EOF); strings.Contains(d, "EOF") {
		t.Errorf("Description of a foreign error = %q, want a generic text", d)
	}
}
