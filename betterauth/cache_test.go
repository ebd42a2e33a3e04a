package betterauth

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// dropKey makes the Verifier lose k: the server stops listing it and a
// token with another new kid forces the refresh. It leaves the cooldown
// running.
func dropKey(tb testing.TB, f *fixture, keep ...*testKey) {
	tb.Helper()
	fresh := newKey(tb, "EdDSA")
	f.srv.setKeys(append(keep, fresh)...)
	f.clock.Advance(DefaultRefreshCooldown + time.Second)
	tok := fresh.sign(tb, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		tb.Fatalf("Verify with the new key: %v", err)
	}
}

func TestTokenCache_SkipsSignature(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{TokenCacheSize: 100}, k)
	tok := k.sign(t, f.claims(nil))
	first, err := f.verify(tok)
	if err != nil {
		t.Fatal(err)
	}

	dropKey(t, f)
	fetches := f.fetches()
	again, err := f.verify(tok)
	if err != nil {
		t.Fatalf("cached token after its key left the set: %v", err)
	}
	if again != first {
		t.Error("a cached token gave a different Principal")
	}
	if n := f.fetches(); n != fetches {
		t.Errorf("a cached token caused %d fetches", n-fetches)
	}

	// The key is really gone: an uncached token of it fails.
	other := k.sign(t, f.claims(func(c map[string]any) { c["n"] = 1 }))
	_, err = f.verify(other)
	checkErr(t, err, other, ErrKIDUnknown)
}

// TestTokenCache_ExactToken checks that only the very token verified is a
// hit: a different signature, or another encoding of the same one, is not.
func TestTokenCache_ExactToken(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{TokenCacheSize: 100}, k)
	tok := k.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	dot := strings.LastIndexByte(tok, '.')
	sig, _ := enc.DecodeString(tok[dot+1:])
	sig[0] ^= 1
	forged := tok[:dot+1] + enc.EncodeToString(sig)
	_, err := f.verify(forged)
	checkErr(t, err, forged, ErrSignatureInvalid)

	sig[0] ^= 1
	flipped, _ := flipTrailingBit(enc.EncodeToString(sig))
	noncanon := tok[:dot+1] + flipped
	_, err = f.verify(noncanon)
	checkErr(t, err, noncanon, ErrTokenMalformed)

	for _, v := range []string{tok + " ", " " + tok, tok + "\n", strings.ToUpper(tok[:1]) + tok[1:]} {
		if v == tok {
			continue
		}
		_, err := f.verify(v)
		checkErr(t, err, v, ErrTokenMalformed, ErrSignatureInvalid)
	}
}

func TestTokenCache_NeverOutlivesExp(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{TokenCacheSize: 100}, k)
	tok := k.sign(t, f.claims(func(c map[string]any) {
		c["exp"] = f.clock.Now().Add(2 * time.Minute).Unix()
	}))
	if _, err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2*time.Minute + DefaultLeeway - time.Second)
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("within the leeway after exp: %v", err)
	}
	f.clock.Advance(time.Second)
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrTokenExpired)
	f.clock.Advance(time.Hour)
	_, err = f.verify(tok)
	checkErr(t, err, tok, ErrTokenExpired, ErrKeysUnavailable)
}

func TestTokenCache_NeverOutlivesExpHS256(t *testing.T) {
	f := newSecretFixture(t, Config{TokenCacheSize: 100})
	k := hmacKey("", []byte(testSecret))
	tok := k.sign(t, f.claims(func(c map[string]any) {
		c["exp"] = f.clock.Now().Add(time.Minute).Unix()
	}))
	if _, err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute + DefaultLeeway)
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrTokenExpired)
}

// TestTokenCache_NeverOutlivesMaxKeyAge checks that a cached token is
// checked afresh once its key set reaches MaxKeyAge, so a token of a key
// BetterAuth dropped stops verifying even while it is cached.
func TestTokenCache_NeverOutlivesMaxKeyAge(t *testing.T) {
	k1, k2 := newKey(t, "EdDSA"), newKey(t, "EdDSA")
	f := newFixture(t, Config{TokenCacheSize: 100, MaxKeyAge: 2 * time.Minute}, k1, k2)
	tok := k1.sign(t, f.claims(nil)) // exp in 15 minutes
	if _, err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	f.srv.setKeys(k2) // k1 dropped; the Verifier does not know yet

	f.clock.Advance(time.Minute)
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("cached within MaxKeyAge: %v", err)
	}
	if n := f.fetches(); n != 1 {
		t.Fatalf("fetches = %d, want 1: the cache hit needs none", n)
	}

	f.clock.Advance(time.Minute)
	_, _ = f.verify(tok) // past MaxKeyAge: must reach the key cache
	waitFetches(t, f.srv, f.v, 2)
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrKIDUnknown)
}

func TestTokenCache_HS256NeverOutlivesMaxKeyAge(t *testing.T) {
	f := newSecretFixture(t, Config{TokenCacheSize: 100, MaxKeyAge: time.Minute})
	tok := hmacKey("", []byte(testSecret)).sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	f.v.cache.mu.RLock()
	e := f.v.cache.entries[tok]
	f.v.cache.mu.RUnlock()
	if limit := f.clock.Now().Add(time.Minute); e.until.After(limit) {
		t.Errorf("cached until %s, want at most %s", e.until, limit)
	}
}

func TestTokenCache_Bounded(t *testing.T) {
	const size = 8
	f := newSecretFixture(t, Config{TokenCacheSize: size})
	k := hmacKey("", []byte(testSecret))
	for i := range 50 {
		tok := k.sign(t, f.claims(func(c map[string]any) { c["n"] = i }))
		if _, err := f.verify(tok); err != nil {
			t.Fatal(err)
		}
		if n := f.v.cache.len(); n > size {
			t.Fatalf("after %d tokens the cache holds %d, want at most %d", i+1, n, size)
		}
	}
	if n := f.v.cache.len(); n != size {
		t.Errorf("cache holds %d, want %d once full", n, size)
	}

	var wg sync.WaitGroup
	toks := make([]string, 200)
	for i := range toks {
		toks[i] = k.sign(t, f.claims(func(c map[string]any) { c["m"] = i }))
	}
	for _, tok := range toks {
		wg.Go(func() {
			if _, err := f.verify(tok); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.v.cache.len(); n > size {
		t.Errorf("after concurrent inserts the cache holds %d, want at most %d", n, size)
	}
}

func TestTokenCache_Disabled(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{TokenCacheSize: -1}, k)
	tok := k.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	if n := f.v.cache.len(); n != 0 {
		t.Errorf("disabled cache holds %d entries", n)
	}
	dropKey(t, f)
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrKIDUnknown)
}

func TestTokenCache_DefaultSize(t *testing.T) {
	v := newTestVerifier(t, nil, Config{Secrets: []string{testSecret}})
	if v.cache == nil || v.cache.size != DefaultTokenCacheSize {
		t.Fatalf("TokenCacheSize 0 should mean DefaultTokenCacheSize")
	}
}

// TestTokenCache_FailuresNotCached checks that a refusal is not
// remembered: the same token verifies once its key can be had.
func TestTokenCache_FailuresNotCached(t *testing.T) {
	k := newKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	srv.setStatus(500)
	clock := newFakeClock()
	v := newTestVerifier(t, srv, Config{Now: clock.Now})
	tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
	_, err := v.Verify(t.Context(), tok)
	checkErr(t, err, tok, ErrKeysUnavailable)
	if n := v.cache.len(); n != 0 {
		t.Errorf("cache holds %d entries after a refusal", n)
	}
	srv.setStatus(0)
	clock.Advance(DefaultRefreshCooldown + time.Second)
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify once the keys are there: %v", err)
	}
}
