package interop

import (
	"net/http"
	"testing"
	"time"
)

var algorithms = []string{"EdDSA", "ES256", "ES512", "RS256", "PS256"}

// TestAlgorithms has BetterAuth sign with each algorithm it supports.
func TestAlgorithms(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		for _, alg := range algorithms {
			t.Run(alg, func(t *testing.T) {
				a.configure(t, authConfig{JWT: &jwtPlugin{
					JWKS: &jwksOptions{KeyPairConfig: &keyPairConfig{alg}},
				}})
				g := startGatehouse(t, a, nil)
				u := a.newUser(t, "Alice")

				for _, token := range []string{
					a.tokenWithCookie(t, u), a.sessionJWT(t, u),
				} {
					if got := peek(t, token).alg(); got != alg {
						t.Fatalf("BetterAuth signed with %q, want %q", got, alg)
					}
					wantStatus(t, alg+" token", g.listTasks(t, u.id, token),
						http.StatusOK)
					wantRefused(t, "tampered "+alg+" token",
						g.listTasks(t, u.id, tamper(token)),
						"signature_invalid")
				}
			})
		}
	})
}

// tamper flips one bit of a token's signature.
func tamper(token string) string {
	b := []byte(token)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestKeyRotation lets BetterAuth rotate its signing key while Gatehouse
// runs: the new key is taken up on the first token that names it, with one
// JWKS fetch, and unknown kids do not make Gatehouse hammer the JWKS.
func TestKeyRotation(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		const interval = 2 // seconds; BetterAuth's rotationInterval
		a.configure(t, authConfig{JWT: &jwtPlugin{
			JWKS: &jwksOptions{RotationInterval: interval},
		}})
		g := startGatehouse(t, a, nil)
		u := a.newUser(t, "Alice")
		first := a.tokenWithCookie(t, u)
		wantStatus(t, "first key", g.listTasks(t, u.id, first), http.StatusOK)

		time.Sleep(interval*time.Second + 200*time.Millisecond)
		second := a.tokenWithCookie(t, u)
		if peek(t, second).kid() == peek(t, first).kid() {
			t.Fatalf("BetterAuth still signs with kid %s after %ds",
				peek(t, first).kid(), interval)
		}
		fetches := a.stats(t).JWKS
		acceptWithin(t, g, u.id, second, testCooldown+2*time.Second)
		if n := a.stats(t).JWKS - fetches; n != 1 {
			t.Errorf("rotated key cost %d JWKS fetches, want 1", n)
		}

		fetches = a.stats(t).JWKS
		wantStatus(t, "previous key, still published",
			g.listTasks(t, u.id, first), http.StatusOK)
		for _, r := range g.listConcurrently(t, 8, u.id, second) {
			wantStatus(t, "new key, 8 at once", r, http.StatusOK)
		}
		if n := a.stats(t).JWKS - fetches; n != 0 {
			t.Errorf("known keys cost %d JWKS fetches, want 0", n)
		}

		fetches = a.stats(t).JWKS
		forged := withKID(t, second, "interop-unknown-kid")
		for _, r := range g.listConcurrently(t, 8, u.id, forged) {
			wantRefused(t, "unknown kid, 8 at once", r, "")
		}
		if n := a.stats(t).JWKS - fetches; n > 1 {
			t.Errorf("8 tokens with an unknown kid within the cooldown "+
				"cost %d JWKS fetches, want at most 1", n)
		}
	})
}

// TestRestartedBetterAuth restarts BetterAuth, which with an in-memory
// database comes back with a new key set, and checks that the running
// Gatehouse takes it up with one JWKS fetch.
func TestRestartedBetterAuth(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		a.configure(t, authConfig{})
		g := startGatehouse(t, a, nil)
		before := a.newUser(t, "Alice")
		old := a.tokenWithCookie(t, before)
		wantStatus(t, "before restart", g.listTasks(t, before.id, old),
			http.StatusOK)

		a.restart(t)
		after := a.newUser(t, "Alice")
		fresh := a.tokenWithCookie(t, after)
		if peek(t, fresh).kid() == peek(t, old).kid() {
			t.Fatal("restarted BetterAuth kept its key id")
		}
		acceptWithin(t, g, after.id, fresh, testCooldown+2*time.Second)
		if n := a.stats(t).JWKS; n != 1 {
			t.Errorf("new key set cost %d JWKS fetches, want 1", n)
		}
	})
}

// TestExpiredToken checks that a BetterAuth JWT stops working at exp plus
// the configured leeway, even after Gatehouse accepted it once.
func TestExpiredToken(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		a.configure(t, authConfig{JWT: &jwtPlugin{
			JWT: &claimOptions{ExpirationTime: "2s"},
		}})
		g := startGatehouse(t, a, map[string]string{"GATEHOUSE_LEEWAY": "1s"})
		u := a.newUser(t, "Alice")
		token := a.tokenWithCookie(t, u)
		wantStatus(t, "fresh token", g.listTasks(t, u.id, token), http.StatusOK)

		exp, ok := peek(t, token).claims["exp"].(float64)
		if !ok {
			t.Fatal("BetterAuth's token has no numeric exp")
		}
		// One second of leeway, one for exp's whole-second precision.
		time.Sleep(time.Until(time.Unix(int64(exp), 0).Add(2 * time.Second)))
		wantRefused(t, "expired token", g.listTasks(t, u.id, token),
			"token_expired")
	})
}

// acceptWithin retries a request with token until Gatehouse accepts it,
// and fails the test if that takes longer than limit.
func acceptWithin(t testing.TB, g *gatehouse, userID, token string, limit time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		r := g.listTasks(t, userID, token)
		if r.status == http.StatusOK {
			return
		}
		if r.status != http.StatusUnauthorized {
			t.Fatalf("token with a new key: %v, want 200 or for now 401", r)
		}
		if time.Since(start) > limit {
			t.Fatalf("token with a new key still refused after %v: %v",
				limit, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
