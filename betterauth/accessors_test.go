package betterauth

import (
	"net/http"
	"slices"
	"strings"
	"testing"
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
