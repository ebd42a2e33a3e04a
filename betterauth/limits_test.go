package betterauth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNew_KeyAgesMustFit(t *testing.T) {
	refused := []Config{
		{MaxKeyAge: time.Second, RefreshCooldown: 2 * time.Second},
		{MaxKeyAge: time.Millisecond},
		{MaxKeyAge: time.Hour, StaleKeyTTL: time.Hour},
		{StaleKeyTTL: DefaultMaxKeyAge},
	}
	for _, cfg := range refused {
		cfg.BaseURL = testBaseURL
		if v, err := New(cfg); err == nil {
			v.Close()
			t.Errorf("New accepted max age %s, cooldown %s, stale TTL %s",
				cfg.MaxKeyAge, cfg.RefreshCooldown, cfg.StaleKeyTTL)
		}
	}
}

// A key set must keep verifying until its scheduled refetch, however long
// the maximum age is.
func TestKeyCache_LongMaxAgeStaysReady(t *testing.T) {
	clock := newFakeClock()
	k := newTestKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	v := newTestVerifier(t, srv, Config{Now: clock.Now, MaxKeyAge: 2 * time.Hour})
	waitReady(t, v)
	clock.Advance(2*time.Hour - time.Minute)
	if !v.Ready() {
		t.Fatal("not ready before the maximum key age")
	}
	if _, err := v.Verify(t.Context(), k.sign(t, userClaimsAt("u", clock.Now()))); err != nil {
		t.Fatalf("Verify before the maximum key age: %v", err)
	}
}

func TestKeyCache_RedirectIsNotFollowed(t *testing.T) {
	k := newTestKey(t, "EdDSA")
	target := newJWKSServer(t, k)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	t.Cleanup(redirect.Close)

	v, err := New(Config{BaseURL: testBaseURL, JWKSURL: redirect.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	waitKeysError(t, v)
	if got := target.fetches.Load(); got != 0 {
		t.Fatalf("the redirect target was fetched %d times", got)
	}
	if err := v.KeysError(); !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("KeysError() = %v, want it to name the redirect", err)
	}
	_, err = v.Verify(t.Context(), k.sign(t, userClaimsAt("u", time.Now())))
	if Code(err) != "keys_unavailable" {
		t.Fatalf("Verify: %v, want keys_unavailable", err)
	}
}

func waitKeysError(tb testing.TB, v *Verifier) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for v.KeysError() == nil {
		if time.Now().After(deadline) {
			tb.Fatal("no failed fetch within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestConfig_ValidateNamesTheField(t *testing.T) {
	long := strings.Repeat("s", 40)
	tests := []struct {
		cfg   Config
		field string
		index int
	}{
		{Config{}, "", 0},
		{Config{BaseURL: "ftp://x"}, "BaseURL", 0},
		{Config{BaseURL: testBaseURL, JWKSURL: "/jwks"}, "JWKSURL", 0},
		{Config{Secrets: []string{long}, Audience: []string{"a"}}, "Issuer", 0},
		{Config{Secrets: []string{long}, Issuer: "i"}, "Audience", 0},
		{Config{BaseURL: testBaseURL, Secrets: []string{long, "short"}}, "Secrets", 1},
		{Config{BaseURL: testBaseURL, Leeway: time.Hour}, "Leeway", 0},
		{Config{BaseURL: testBaseURL, MaxKeyAge: time.Millisecond}, "MaxKeyAge", 0},
		{Config{BaseURL: testBaseURL, Algorithms: []string{"HS256"}}, "Algorithms", 0},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || ce.Index != tt.index {
			t.Errorf("Validate(%+v) = %v, want a ConfigError for %q[%d]", tt.cfg, err, tt.field, tt.index)
		}
	}
	if err := (Config{BaseURL: testBaseURL}).Validate(); err != nil {
		t.Errorf("Validate of a good config: %v", err)
	}
}
