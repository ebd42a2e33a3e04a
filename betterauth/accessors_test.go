package betterauth

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVerifier_ResolvedSettings(t *testing.T) {
	v, err := New(Config{BaseURL: "https://APP.example.com:443/auth", Secrets: []string{testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if got, want := v.Issuer(), "https://app.example.com"; got != want {
		t.Errorf("Issuer() = %q, want %q", got, want)
	}
	if got, want := v.Audience(), []string{"https://app.example.com"}; !slices.Equal(got, want) {
		t.Errorf("Audience() = %q, want %q", got, want)
	}
	if got, want := v.JWKSURL(), "https://APP.example.com:443/auth/jwks"; got != want {
		t.Errorf("JWKSURL() = %q, want %q", got, want)
	}
}

func TestVerifier_KeysError(t *testing.T) {
	srv := newJWKSServer(t)
	srv.setStatus(http.StatusBadGateway)
	v := newTestVerifier(t, srv, Config{})
	waitFetches(t, srv, v, 1)
	err := v.KeysError()
	if err == nil || !strings.Contains(err.Error(), "status 502") {
		t.Fatalf("KeysError() = %v, want the failed status", err)
	}
	if v.Ready() {
		t.Fatal("Ready() with no key set")
	}

	srv.setStatus(0)
	ok := newTestVerifier(t, srv, Config{})
	waitReady(t, ok)
	if err := ok.KeysError(); err != nil {
		t.Fatalf("KeysError() after a good fetch = %v", err)
	}
}

// Refusals say what was expected, so that an operator can fix a mismatch,
// without repeating what the token held.
func TestVerify_RefusalsNameTheExpectation(t *testing.T) {
	k := newTestKey(t, "HS256")
	v := newTestVerifier(t, nil, Config{Secrets: []string{testSecret}})
	claims := userClaimsAt("u", time.Now())
	claims["iss"] = "https://evil.example"
	_, err := v.Verify(t.Context(), k.sign(t, claims))
	if d := Description(err); !strings.Contains(d, testBaseURL) || strings.Contains(d, "evil") {
		t.Errorf("issuer refusal %q, want the expected issuer and not the token's", d)
	}
	claims = userClaimsAt("u", time.Now())
	claims["aud"] = "https://evil.example"
	_, err = v.Verify(t.Context(), k.sign(t, claims))
	if d := Description(err); !strings.Contains(d, testBaseURL) || strings.Contains(d, "evil") {
		t.Errorf("audience refusal %q, want the expected audience and not the token's", d)
	}

	ed := newTestKey(t, "EdDSA")
	_, err = v.Verify(t.Context(), ed.sign(t, userClaimsAt("u", time.Now())))
	if d := Description(err); !strings.Contains(d, "EdDSA needs a JWKS") {
		t.Errorf("EdDSA on a secret-only verifier: %q", d)
	}
	_, err = v.Verify(t.Context(), ed.signWith(t, map[string]any{"alg": "<evil>"}, userClaimsAt("u", time.Now())))
	if d := Description(err); strings.Contains(d, "evil") {
		t.Errorf("the refusal repeats the token's alg: %q", d)
	}
}
