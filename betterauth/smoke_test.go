package betterauth

import (
	"context"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	for _, alg := range []string{"EdDSA", "ES256", "ES512", "RS256", "PS256", "HS256"} {
		t.Run(alg, func(t *testing.T) {
			k := newTestKey(t, alg)
			srv := newJWKSServer(t, k)
			cfg := Config{}
			if alg == "HS256" {
				srv.setKeys()
				cfg.Secrets = []string{testSecret}
			}
			v := newTestVerifier(t, srv, cfg)
			waitReady(t, v)
			tok := k.sign(t, userClaimsAt("user-1", time.Now()))
			p, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Subject != "user-1" || p.Email() != "ada.lovelace@example.com" || !p.EmailVerified() {
				t.Fatalf("principal = %+v", p)
			}
			t.Logf("token length %d", len(tok))
		})
	}
}
