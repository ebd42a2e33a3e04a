package betterauth

import (
	"slices"
	"sync"
	"testing"
	"time"
)

func TestPrincipal(t *testing.T) {
	k := newKey(t, "ES256")
	f := newFixture(t, Config{TokenCacheSize: 10}, k)
	now := f.clock.Now()
	claims := f.claims(func(c map[string]any) {
		c["aud"] = []string{"api-one", testBaseURL}
		c["image"] = nil
		c["role"] = "admin"
		c["tenant"] = map[string]any{"id": "t1"}
	})
	p, err := f.verify(k.sign(t, claims))
	if err != nil {
		t.Fatal(err)
	}

	created := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	updated := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	checks := []struct {
		name      string
		got, want any
	}{
		{"Subject", p.Subject, "user-1"},
		{"Issuer", p.Issuer(), testBaseURL},
		{"Audience", slices.Clone(p.Audience()), []string{"api-one", testBaseURL}},
		{"ExpiresAt", p.ExpiresAt().Unix(), now.Add(15 * time.Minute).Unix()},
		{"IssuedAt", p.IssuedAt().Unix(), now.Unix()},
		{"Algorithm", p.Algorithm(), "ES256"},
		{"Name", p.Name(), "Ada Lovelace"},
		{"Email", p.Email(), "ada.lovelace@example.com"},
		{"EmailVerified", p.EmailVerified(), true},
		{"Image", p.Image(), ""},
		{"Role", p.Role(), "admin"},
		{"CreatedAt", p.CreatedAt().Equal(created), true},
		{"UpdatedAt", p.UpdatedAt().Equal(updated), true},
		{"Claims email", p.Claims()["email"], "ada.lovelace@example.com"},
	}
	for _, c := range checks {
		if !equalAny(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	var tenant struct{ ID string }
	if ok, err := p.Claim("tenant", &tenant); !ok || err != nil || tenant.ID != "t1" {
		t.Errorf("Claim(tenant) = %v, %v, %+v", ok, err, tenant)
	}
	var missing string
	if ok, err := p.Claim("nope", &missing); ok || err != nil {
		t.Errorf("Claim(nope) = %v, %v", ok, err)
	}

	// The cache hands the same Principal to concurrent requests.
	tok := k.sign(t, claims)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			q, err := f.verify(tok)
			if err != nil {
				t.Error(err)
				return
			}
			_ = q.Email() + q.Role() + q.Name()
			_ = q.Claims()
		})
	}
	wg.Wait()
}

func equalAny(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, ok := b.([]string)
		return ok && slices.Equal(as, bs)
	}
	return a == b
}

func TestPrincipal_HS256WithoutUserFields(t *testing.T) {
	f := newSecretFixture(t, Config{})
	claims := map[string]any{
		"sub": "user-9", "iss": testBaseURL, "aud": testBaseURL,
		"exp": f.clock.Now().Add(time.Minute).Unix(),
	}
	p, err := f.verify(hmacKey("", []byte(testSecret)).sign(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "user-9" || p.Email() != "" || p.EmailVerified() || !p.IssuedAt().IsZero() ||
		!p.CreatedAt().IsZero() || p.Algorithm() != "HS256" {
		t.Errorf("principal = %+v", p)
	}
	if !f.v.Ready() {
		t.Error("Ready() = false for a Verifier without a JWKS")
	}
	if aud := p.Audience(); len(aud) != 1 || aud[0] != testBaseURL {
		t.Errorf("Audience = %q", aud)
	}
}
