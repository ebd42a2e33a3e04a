package betterauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Realm is the realm named in every Bearer challenge.
const Realm = "gatehouse"

// RetryAfterSeconds is the Retry-After sent when keys are unavailable.
const RetryAfterSeconds = 5

type principalKey struct{}

// WithPrincipal returns a copy of ctx that carries p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal that Middleware stored in ctx.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// BearerToken returns the token of a request's Authorization header. The
// request must carry exactly one such header, with the Bearer scheme in any
// case (RFC 6750 §2.1). Tokens in the query string, cookies or the body are
// never read. With no Bearer credentials it returns ErrTokenMissing; with a
// header that cannot be read, ErrTokenMalformed.
func BearerToken(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", ErrTokenMissing
	case len(values) > 1:
		return "", fail(ErrTokenMalformed, "more than one Authorization header")
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ErrTokenMissing
	}
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", fail(ErrTokenMalformed, "Authorization header is not Bearer and one token")
	}
	return token, nil
}

// ErrorHandler writes the response for a request whose token was refused.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

// Middleware returns HTTP middleware that verifies the bearer token of every
// request and passes the principal on in the request context. A refused
// request gets the headers that Challenge sets, then onError writes the
// response; a nil onError writes a problem+json body (RFC 9457).
func Middleware(v *Verifier, onError ErrorHandler) func(http.Handler) http.Handler {
	if onError == nil {
		onError = WriteError
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, err := BearerToken(r)
			var p *Principal
			if err == nil {
				p, err = v.Verify(r.Context(), token)
			}
			if err != nil {
				Challenge(w, err)
				onError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

// Status returns the HTTP status for a refused token: 503 when the keys
// are unavailable, for the request may succeed later, and 401 otherwise.
func Status(err error) int {
	if errors.Is(err, ErrKeysUnavailable) {
		return http.StatusServiceUnavailable
	}
	return http.StatusUnauthorized
}

// Challenge sets the headers for a refused token and returns the status to
// answer with: 503 with Retry-After when keys are unavailable, otherwise 401
// with a Bearer challenge (RFC 6750 §3) that carries error="invalid_token"
// unless the request had no token at all.
func Challenge(w http.ResponseWriter, err error) int {
	if Status(err) == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
		return http.StatusServiceUnavailable
	}
	challenge := `Bearer realm="` + Realm + `"`
	if !errors.Is(err, ErrTokenMissing) {
		// A quoted-string may not hold a bare quote or backslash.
		desc := strings.NewReplacer(`"`, `'`, `\`, `/`).Replace(Description(err))
		challenge += `, error="invalid_token", error_description="` + desc + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	return http.StatusUnauthorized
}

// WriteError is the default ErrorHandler: a problem+json body (RFC 9457)
// with the status Challenge chose and the error's code.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":   "about:blank",
		"title":  http.StatusText(status),
		"status": status,
		"detail": Description(err),
		"code":   Code(err),
	})
}
