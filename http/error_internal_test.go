package http

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/betterauth"
)

// TestWriteError_VerificationErrors checks that the statuses table agrees
// with betterauth.Challenge for every verification error.
func TestWriteError_VerificationErrors(t *testing.T) {
	for _, err := range []error{
		betterauth.ErrTokenMissing, betterauth.ErrTokenMalformed,
		betterauth.ErrAlgNotAllowed, betterauth.ErrKIDUnknown,
		betterauth.ErrSignatureInvalid, betterauth.ErrTokenExpired,
		betterauth.ErrTokenNotYetValid, betterauth.ErrIssuerInvalid,
		betterauth.ErrAudienceInvalid, betterauth.ErrTokenTypeInvalid,
		betterauth.ErrSubjectMissing, betterauth.ErrKeysUnavailable,
	} {
		code := betterauth.Code(err)
		t.Run(code, func(t *testing.T) {
			w := httptest.NewRecorder()
			want := betterauth.Challenge(w, err)
			writeError(w, httptest.NewRequest("GET", "/", nil), fmt.Errorf("verify: %w", err))
			if w.Code != want {
				t.Errorf("status %d, want %d as Challenge says", w.Code, want)
			}
			if _, ok := statuses[code]; !ok {
				t.Errorf("code %q is missing from the statuses table", code)
			}
		})
	}
}

func TestProblemFor(t *testing.T) {
	cases := []struct {
		err  error
		code string
	}{
		{fmt.Errorf("find: %w", gatehouse.ErrNotFound), codeNotFound},
		{fmt.Errorf("list: %w", gatehouse.ErrUnavailable), codeUnavailable},
		{gatehouse.Invalid("title", "is blank"), codeValidationFailed},
		{fmt.Errorf("wrapped: %w", gatehouse.Invalid("cursor", "is malformed")), codeValidationFailed},
		{errorf(codeForbidden, "no"), codeForbidden},
		{errors.New("something else"), codeInternal},
	}
	for _, c := range cases {
		if got := problemFor(c.err).Code; got != c.code {
			t.Errorf("problemFor(%v) = %q, want %q", c.err, got, c.code)
		}
	}
}

func TestServeRecovering_AbortsAStartedResponse(t *testing.T) {
	w := &statusWriter{ResponseWriter: httptest.NewRecorder()}
	r := httptest.NewRequest("GET", "/", nil)
	aborted := serveRecovering(w, r, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		panic("half way")
	}))
	if !aborted {
		t.Error("a panic after the status was written did not abort the connection")
	}
	if w.status != http.StatusOK {
		t.Errorf("status %d was overwritten", w.status)
	}
}
