package betterauth

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The key-set lifecycle, as BetterAuth drives it: keys fetched at start,
// new kids the moment BetterAuth rotates, retired keys dropped, restarts
// with a wholly new set, and a source that fails, stalls or misbehaves.

func TestKeyCache_FetchedAtStart(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k)
	if n := f.fetches(); n != 1 {
		t.Fatalf("fetches after start = %d, want 1", n)
	}
	if !f.v.Ready() {
		t.Error("Ready() = false after the first fetch")
	}
	for range 5 {
		tok := k.sign(t, f.claims(nil))
		if _, err := f.verify(tok); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
	if n := f.fetches(); n != 1 {
		t.Errorf("fetches = %d, want 1: a known kid needs no fetch", n)
	}
}

// TestKeyCache_SourceDownAtStart checks that the process starts while
// BetterAuth is down, answers "keys unavailable" (never "invalid token")
// meanwhile, keeps verifying HS256, and recovers without a restart.
func TestKeyCache_SourceDownAtStart(t *testing.T) {
	k := newKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	srv.setStatus(http.StatusServiceUnavailable)
	clock := newFakeClock()
	v := newTestVerifier(t, srv, Config{
		Now: clock.Now, RefreshCooldown: time.Minute, TokenCacheSize: -1,
		Secrets: []string{testSecret},
	})
	waitFetches(t, srv, v, 1)
	if v.Ready() {
		t.Error("Ready() = true before any key set was fetched")
	}

	tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
	_, err := v.Verify(t.Context(), tok)
	checkErr(t, err, tok, ErrKeysUnavailable)

	hs := hmacKey("", []byte(testSecret)).sign(t, userClaimsAt("user-1", clock.Now()))
	if _, err := v.Verify(t.Context(), hs); err != nil {
		t.Errorf("HS256 while the JWKS is down: %v", err)
	}

	srv.setStatus(0)
	clock.Advance(time.Minute + time.Second)
	tok = k.sign(t, userClaimsAt("user-1", clock.Now()))
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify after BetterAuth came up: %v", err)
	}
	if !v.Ready() {
		t.Error("Ready() = false after recovery")
	}
}

func TestKeyCache_SourceUnreachableAtStart(t *testing.T) {
	k := newKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	url := srv.URL
	srv.Close() // connection refused from now on
	clock := newFakeClock()
	v, err := New(Config{
		BaseURL: testBaseURL, JWKSURL: url, Now: clock.Now,
		RefreshCooldown: time.Minute, FetchTimeout: time.Second,
	})
	if err != nil {
		t.Fatalf("New with an unreachable JWKS: %v", err)
	}
	t.Cleanup(v.Close)
	tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
	_, err = v.Verify(t.Context(), tok)
	checkErr(t, err, tok, ErrKeysUnavailable)
}

func TestKeyCache_UnknownKIDRefreshesOnce(t *testing.T) {
	k1, k2 := newKey(t, "EdDSA"), newKey(t, "ES256")
	f := newFixture(t, Config{}, k1)
	f.srv.setKeys(k1, k2)

	for i := range 3 {
		tok := k2.sign(t, f.claims(nil))
		if _, err := f.verify(tok); err != nil {
			t.Fatalf("Verify %d with the new kid: %v", i, err)
		}
	}
	tok := k1.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("Verify with the old kid: %v", err)
	}
	if n := f.fetches(); n != 2 {
		t.Errorf("fetches = %d, want 2: one at start, one for the new kid", n)
	}
}

// TestKeyCache_ConcurrentUnknownKID sends many requests at once that name
// kids the cache does not hold: they must share exactly one fetch, and all
// get the right answer.
func TestKeyCache_ConcurrentUnknownKID(t *testing.T) {
	const n = 200
	tests := []struct {
		name    string
		stall   bool
		newKeys int  // keys added to the server, each used by some requests
		bogus   bool // the kid is on the server neither before nor after
	}{
		{name: "one new kid, fetch stalled", stall: true, newKeys: 1},
		{name: "one new kid", newKeys: 1},
		{name: "one bogus kid, fetch stalled", stall: true, bogus: true},
		{name: "one bogus kid", bogus: true},
		{name: "forty new kids, fetch stalled", stall: true, newKeys: 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k1 := newKey(t, "EdDSA")
			f := newFixture(t, Config{}, k1)
			keys := []*testKey{newKey(t, "EdDSA")}
			for len(keys) < tt.newKeys {
				keys = append(keys, newKey(t, "EdDSA"))
			}
			if !tt.bogus {
				f.srv.setKeys(append([]*testKey{k1}, keys...)...)
			}
			toks := make([]string, n)
			for i := range toks {
				toks[i] = keys[i%len(keys)].sign(t, f.claims(func(c map[string]any) {
					c["n"] = i
				}))
			}
			release := func() {}
			if tt.stall {
				release = stall(t, f.srv)
			}

			start := make(chan struct{})
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range toks {
				wg.Go(func() {
					<-start
					_, errs[i] = f.verify(toks[i])
				})
			}
			close(start)
			if tt.stall {
				waitFor(t, func() bool { return f.fetches() == 2 })
				time.Sleep(20 * time.Millisecond) // let the rest pile up
				release()
			}
			wg.Wait()

			for i, err := range errs {
				if tt.bogus {
					checkErr(t, err, toks[i], ErrKIDUnknown)
				} else {
					checkErr(t, err, toks[i], accepted...)
				}
				if t.Failed() {
					t.Fatalf("request %d of %d", i, n)
				}
			}
			if got := f.fetches(); got != 2 {
				t.Errorf("fetches = %d, want 2: one at start, one shared by %d requests", got, n)
			}
		})
	}
}

func waitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestKeyCache_Cooldown checks that unknown kids cause at most one fetch
// per cooldown, and that a request refused by the cooldown is answered at
// once instead of sleeping: with the server stalled, any fetch or wait
// would show as a slow call.
func TestKeyCache_Cooldown(t *testing.T) {
	k1 := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k1)

	bogus := newKey(t, "EdDSA").sign(t, f.claims(nil))
	_, err := f.verify(bogus)
	checkErr(t, err, bogus, ErrKIDUnknown)
	if n := f.fetches(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}

	release := stall(t, f.srv)
	k2 := newKey(t, "EdDSA")
	f.srv.setKeys(k1, k2) // BetterAuth rotated, but the cooldown holds
	f.clock.Advance(DefaultRefreshCooldown - time.Second)
	for _, tok := range []string{
		newKey(t, "EdDSA").sign(t, f.claims(nil)),
		k2.sign(t, f.claims(nil)),
		bogus,
	} {
		start := time.Now()
		_, err := f.verify(tok)
		elapsed := time.Since(start)
		checkErr(t, err, tok, ErrKIDUnknown)
		if elapsed > 100*time.Millisecond {
			t.Errorf("Verify within the cooldown took %s, want an immediate answer", elapsed)
		}
	}
	if n := f.fetches(); n != 2 {
		t.Errorf("fetches within the cooldown = %d, want 2", n)
	}
	tok := k1.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Errorf("known kid within the cooldown: %v", err)
	}

	release()
	f.clock.Advance(2 * time.Second)
	k3 := newKey(t, "EdDSA")
	f.srv.setKeys(k1, k2, k3)
	tok = k3.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("new kid after the cooldown: %v", err)
	}
	if n := f.fetches(); n != 3 {
		t.Errorf("fetches = %d, want 3", n)
	}
}

func TestKeyCache_CooldownConfigured(t *testing.T) {
	k1 := newKey(t, "EdDSA")
	f := newFixture(t, Config{RefreshCooldown: 30 * time.Second}, k1)

	tok := newKey(t, "EdDSA").sign(t, f.claims(nil))
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrKIDUnknown)
	for _, d := range []time.Duration{10 * time.Second, 19 * time.Second} {
		f.clock.Advance(d)
		tok := newKey(t, "EdDSA").sign(t, f.claims(nil))
		_, err := f.verify(tok)
		checkErr(t, err, tok, ErrKIDUnknown)
	}
	if n := f.fetches(); n != 2 {
		t.Errorf("fetches within a 30s cooldown = %d, want 2", n)
	}
	f.clock.Advance(2 * time.Second)
	tok = newKey(t, "EdDSA").sign(t, f.claims(nil))
	_, err = f.verify(tok)
	checkErr(t, err, tok, ErrKIDUnknown)
	if n := f.fetches(); n != 3 {
		t.Errorf("fetches after the cooldown = %d, want 3", n)
	}
}

// TestKeyCache_AbsentKIDRemembered checks that a kid a fetch has just
// shown absent is answered from memory, and that the memory is bounded.
func TestKeyCache_AbsentKIDRemembered(t *testing.T) {
	k1 := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k1)
	bogus := newKey(t, "EdDSA")
	tok := bogus.sign(t, f.claims(nil))
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrKIDUnknown)

	release := stall(t, f.srv)
	defer release()
	for range 20 {
		start := time.Now()
		_, err := f.verify(tok)
		checkErr(t, err, tok, ErrKIDUnknown)
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("Verify of a kid shown absent took %s", d)
		}
	}
	if n := f.fetches(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
	f.v.keys.mu.Lock()
	_, remembered := f.v.keys.absent[bogus.kid]
	f.v.keys.mu.Unlock()
	if !remembered {
		t.Error("the absent kid is not remembered")
	}

	for range 3 * maxAbsentKIDs {
		_, _ = f.verify(bogus.withKID(randomKID(t)).sign(t, f.claims(nil)))
	}
	f.v.keys.mu.Lock()
	size := len(f.v.keys.absent)
	f.v.keys.mu.Unlock()
	if size > maxAbsentKIDs {
		t.Errorf("absent kids remembered = %d, want at most %d", size, maxAbsentKIDs)
	}
}

// TestKeyCache_MaxKeyAge checks that a set older than MaxKeyAge is fetched
// again, so that a key BetterAuth dropped stops verifying.
func TestKeyCache_MaxKeyAge(t *testing.T) {
	k1, k2 := newKey(t, "EdDSA"), newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k1, k2)

	f.clock.Advance(DefaultMaxKeyAge - time.Minute)
	tok := k2.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	if n := f.fetches(); n != 1 {
		t.Fatalf("fetches before MaxKeyAge = %d, want 1", n)
	}

	f.srv.setKeys(k2) // k1 retired
	f.clock.Advance(time.Minute)
	tok = k2.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("Verify after MaxKeyAge: %v", err)
	}
	waitFetches(t, f.srv, f.v, 2)

	tok = k1.sign(t, f.claims(nil))
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrKIDUnknown)
	tok = k2.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Errorf("kept key after the refetch: %v", err)
	}
}

// TestKeyCache_MaxKeyAgeWithoutRequests checks, on the real clock, that the
// background refetch happens with no request to trigger it.
func TestKeyCache_MaxKeyAgeWithoutRequests(t *testing.T) {
	k1, k2 := newKey(t, "EdDSA"), newKey(t, "EdDSA")
	srv := newJWKSServer(t, k1, k2)
	v := newTestVerifier(t, srv, Config{
		MaxKeyAge: 100 * time.Millisecond, RefreshCooldown: 10 * time.Millisecond,
		TokenCacheSize: -1,
	})
	waitReady(t, v)
	srv.setKeys(k2)
	waitFor(t, func() bool { return srv.fetches.Load() >= 3 })
	waitIdle(t, v)

	tok := k1.sign(t, userClaimsAt("user-1", time.Now()))
	_, err := v.Verify(t.Context(), tok)
	checkErr(t, err, tok, ErrKIDUnknown)
}

// TestKeyCache_StaleKeys checks that failed refreshes keep the last good
// keys until StaleKeyTTL, then give "keys unavailable", then recover.
func TestKeyCache_StaleKeys(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k) // MaxKeyAge 10m, StaleKeyTTL 1h
	f.srv.setStatus(http.StatusInternalServerError)

	f.clock.Advance(10 * time.Minute) // about 10m6s old
	tok := k.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("Verify with a set past MaxKeyAge: %v", err)
	}
	waitFetches(t, f.srv, f.v, 2)

	f.clock.Advance(48 * time.Minute) // about 58m6s old
	tok = k.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("Verify with the last good set after failed refreshes: %v", err)
	}
	waitIdle(t, f.v)
	if !f.v.Ready() {
		t.Error("Ready() = false within StaleKeyTTL")
	}

	f.clock.Advance(2 * time.Minute) // about 60m6s old
	tok = k.sign(t, f.claims(nil))
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrKeysUnavailable)
	if f.v.Ready() {
		t.Error("Ready() = true past StaleKeyTTL")
	}

	f.srv.setStatus(0)
	f.clock.Advance(DefaultRefreshCooldown + time.Second)
	tok = k.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("Verify after the source recovered: %v", err)
	}
}

func TestKeyCache_StaleKeyTTLConfigured(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{MaxKeyAge: time.Minute, StaleKeyTTL: 5 * time.Minute}, k)
	f.srv.setStatus(http.StatusBadGateway)
	f.clock.Advance(4 * time.Minute)
	tok := k.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("Verify within StaleKeyTTL: %v", err)
	}
	waitIdle(t, f.v)
	f.clock.Advance(time.Minute)
	tok = k.sign(t, f.claims(nil))
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrKeysUnavailable)
}

// TestKeyCache_FetchTimeout checks that a stalled JWKS server holds no
// caller beyond FetchTimeout.
func TestKeyCache_FetchTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	t.Run("refresh", func(t *testing.T) {
		k1 := newKey(t, "EdDSA")
		f := newFixture(t, Config{FetchTimeout: timeout}, k1)
		stall(t, f.srv)
		tok := newKey(t, "EdDSA").sign(t, f.claims(nil))
		start := time.Now()
		_, err := f.verify(tok)
		elapsed := time.Since(start)
		checkErr(t, err, tok, ErrKeysUnavailable)
		if elapsed > timeout+time.Second {
			t.Errorf("Verify took %s with FetchTimeout %s", elapsed, timeout)
		}
		tok = k1.sign(t, f.claims(nil))
		if _, err := f.verify(tok); err != nil {
			t.Errorf("known kid after a timed-out refresh: %v", err)
		}
	})
	t.Run("start", func(t *testing.T) {
		k := newKey(t, "EdDSA")
		srv := newJWKSServer(t, k)
		stall(t, srv)
		clock := newFakeClock()
		v := newTestVerifier(t, srv, Config{Now: clock.Now, FetchTimeout: timeout})
		tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
		start := time.Now()
		_, err := v.Verify(t.Context(), tok)
		elapsed := time.Since(start)
		checkErr(t, err, tok, ErrKeysUnavailable)
		if elapsed > timeout+time.Second {
			t.Errorf("Verify took %s with FetchTimeout %s", elapsed, timeout)
		}
	})
	t.Run("default client", func(t *testing.T) {
		// Without an injected client the Verifier's own must time out too.
		k := newKey(t, "EdDSA")
		srv := newJWKSServer(t, k)
		stall(t, srv)
		clock := newFakeClock()
		v, err := New(Config{BaseURL: testBaseURL, JWKSURL: srv.URL, Now: clock.Now, FetchTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(v.Close)
		tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
		start := time.Now()
		_, err = v.Verify(t.Context(), tok)
		if elapsed := time.Since(start); elapsed > timeout+time.Second {
			t.Errorf("Verify took %s with FetchTimeout %s", elapsed, timeout)
		}
		checkErr(t, err, tok, ErrKeysUnavailable)
	})
}

// TestKeyCache_ContextCancel checks that a caller who gives up waiting for
// a fetch is released at once, while the fetch goes on for the others.
func TestKeyCache_ContextCancel(t *testing.T) {
	k1, k2 := newKey(t, "EdDSA"), newKey(t, "EdDSA")
	f := newFixture(t, Config{FetchTimeout: 10 * time.Second}, k1)
	f.srv.setKeys(k1, k2)
	release := stall(t, f.srv)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	tok := k2.sign(t, f.claims(nil))
	start := time.Now()
	_, err := f.v.Verify(ctx, tok)
	elapsed := time.Since(start)
	checkErr(t, err, tok, ErrKeysUnavailable)
	if elapsed > time.Second {
		t.Errorf("Verify returned %s after its context ended", elapsed)
	}

	done, stop := context.WithCancel(t.Context())
	stop()
	start = time.Now()
	_, err = f.v.Verify(done, tok)
	checkErr(t, err, tok, ErrKeysUnavailable)
	if elapsed := time.Since(start); elapsed > 100*time.Millisecond {
		t.Errorf("Verify with an ended context took %s", elapsed)
	}

	release()
	waitIdle(t, f.v)
	if _, err := f.verify(tok); err != nil {
		t.Errorf("Verify after the shared fetch finished: %v", err)
	}
	if n := f.fetches(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
}

// padJSON pads body with trailing spaces, which JSON allows, to n bytes.
func padJSON(body []byte, n int) []byte {
	return append(bytes.Clone(body), bytes.Repeat([]byte(" "), n-len(body))...)
}

func TestKeyCache_MaxJWKSBytes(t *testing.T) {
	k := newKey(t, "EdDSA")
	body := jwksBody(t, k.jwk())
	tests := []struct {
		name  string
		limit int64
		body  []byte
		want  []*Error
	}{
		{"at the limit", 4096, padJSON(body, 4096), accepted},
		{"one byte over", 4095, padJSON(body, 4096), want(ErrKeysUnavailable)},
		{"default limit", 0, padJSON(body, DefaultMaxJWKSBytes), accepted},
		{"over the default limit", 0, padJSON(body, DefaultMaxJWKSBytes+1),
			want(ErrKeysUnavailable)},
		{"far over the default limit", 0, padJSON(body, 8*DefaultMaxJWKSBytes),
			want(ErrKeysUnavailable)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t)
			srv.setBody(tt.body)
			clock := newFakeClock()
			v := newTestVerifier(t, srv, Config{Now: clock.Now, MaxJWKSBytes: tt.limit})
			waitFetches(t, srv, v, 1)
			tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
			_, err := v.Verify(t.Context(), tok)
			checkErr(t, err, tok, tt.want...)
		})
	}
}

// TestKeyCache_PartlyBrokenSet checks that keys which fail to parse, are
// not for signatures, or are too weak are skipped, and the rest used.
func TestKeyCache_PartlyBrokenSet(t *testing.T) {
	good, enc1, ops, noKID, priv := newKey(t, "ES256"), newKey(t, "EdDSA"),
		newKey(t, "EdDSA"), newKey(t, "EdDSA"), newKey(t, "ES256")
	dup := newKey(t, "EdDSA")
	withD := priv.jwk()
	withD["d"] = enc.EncodeToString(priv.privateScalar())
	encKey := enc1.jwk()
	encKey["use"] = "enc"
	opsKey := ops.jwk()
	opsKey["key_ops"] = []string{"encrypt"}
	point := good.jwk()
	point["kid"] = "off-curve"
	point["x"] = enc.EncodeToString(make([]byte, 32))
	point["y"] = enc.EncodeToString(append(make([]byte, 31), 1))

	body := jwksBody(t,
		map[string]any{"kty": "EC", "kid": "bad-ec", "crv": "P-256", "x": "!!!", "y": "!!!"},
		map[string]any{"kty": "RSA", "kid": "bad-rsa", "n": "AQAB", "e": "AQAB"},
		map[string]any{"kty": "OKP", "kid": "x25519", "crv": "X25519",
			"x": enc.EncodeToString(make([]byte, 32))},
		map[string]any{"kty": "oct", "kid": "oct", "k": enc.EncodeToString([]byte(testSecret))},
		map[string]any{"kty": "weird", "kid": "weird"},
		map[string]any{"kid": "no-kty"},
		map[string]any{"kty": "EC", "kid": dup.kid, "crv": "P-256"},
		42, "a string", nil, []any{}, map[string]any{},
		point, encKey, opsKey, noKID.jwkWithout("kid"), withD,
		good.jwk(), dup.jwk(),
	)
	f := newFixtureBody(t, Config{}, body)

	for _, tt := range []struct {
		name string
		k    *testKey
		want []*Error
	}{
		{"valid key", good, accepted},
		{"valid key after a broken one with its kid", dup, accepted},
		{"private key published, public part used", priv, accepted},
		{"encryption key (use)", enc1, want(ErrKIDUnknown)},
		{"encryption key (key_ops)", ops, want(ErrKIDUnknown)},
		{"broken EC key", good.withKID("bad-ec"), want(ErrKIDUnknown)},
		{"broken RSA key", good.withKID("bad-rsa"), want(ErrKIDUnknown, ErrAlgNotAllowed)},
		{"X25519 key", good.withKID("x25519"), want(ErrKIDUnknown, ErrAlgNotAllowed)},
		{"oct key", good.withKID("oct"), want(ErrKIDUnknown, ErrAlgNotAllowed)},
		{"off-curve point", good.withKID("off-curve"), want(ErrKIDUnknown, ErrSignatureInvalid)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(time.Minute)
			tok := tt.k.sign(t, f.claims(nil))
			_, err := f.verify(tok)
			checkErr(t, err, tok, tt.want...)
		})
	}
}

// TestKeyCache_BadResponses checks answers a JWKS source must not be
// trusted with: at start they leave the keys unavailable; after a good
// start they leave the last good keys in place.
func TestKeyCache_BadResponses(t *testing.T) {
	k := newKey(t, "EdDSA")
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"404", http.StatusNotFound, ""},
		{"500", http.StatusInternalServerError, ""},
		{"503", http.StatusServiceUnavailable, ""},
		{"204", http.StatusNoContent, ""},
		{"302 without location", http.StatusFound, ""},
		{"not JSON", 0, "<html>BetterAuth</html>"},
		{"empty body", 0, " "},
		{"truncated JSON", 0, `{"keys":[{"kty":"OKP"`},
		{"array", 0, `[]`},
		{"no keys member", 0, `{}`},
		{"keys null", 0, `{"keys":null}`},
		{"keys string", 0, `{"keys":"x"}`},
		{"keys object", 0, `{"keys":{}}`},
		{"only broken keys", 0, `{"keys":[{"kty":"EC","kid":"a"},42]}`},
		{"JSON then garbage", 0, string(jwksBody(t, k.jwk())) + "garbage"},
	}
	for _, tt := range tests {
		t.Run("start/"+tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, k)
			srv.setStatus(tt.status)
			if tt.body != "" {
				srv.setBody([]byte(tt.body))
			}
			clock := newFakeClock()
			v := newTestVerifier(t, srv, Config{Now: clock.Now, RefreshCooldown: time.Minute})
			waitFetches(t, srv, v, 1)
			if v.Ready() {
				t.Error("Ready() = true")
			}
			tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
			_, err := v.Verify(t.Context(), tok)
			checkErr(t, err, tok, ErrKeysUnavailable)
		})
		t.Run("refresh/"+tt.name, func(t *testing.T) {
			f := newFixture(t, Config{}, k)
			f.srv.setStatus(tt.status)
			if tt.body != "" {
				f.srv.setBody([]byte(tt.body))
			}
			f.clock.Advance(DefaultMaxKeyAge)
			tok := k.sign(t, f.claims(nil))
			if _, err := f.verify(tok); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			waitFetches(t, f.srv, f.v, 2)
			tok = k.sign(t, f.claims(nil))
			if _, err := f.verify(tok); err != nil {
				t.Errorf("Verify with the last good keys: %v", err)
			}
		})
	}
}

// TestKeyCache_EmptySet checks BetterAuth before its first token: an empty
// set is a valid answer, and the first key is picked up when it appears.
func TestKeyCache_EmptySet(t *testing.T) {
	f := newFixture(t, Config{})
	if !f.v.Ready() {
		t.Error("Ready() = false with an empty set")
	}
	k := newKey(t, "EdDSA")
	f.srv.setKeys(k)
	tok := k.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("Verify with the first key: %v", err)
	}
}

// TestKeyCache_Rotation follows BetterAuth's rotation: a new key signs at
// once while the retired ones stay listed, and all verify without restart.
func TestKeyCache_Rotation(t *testing.T) {
	k1 := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k1)
	keys := []*testKey{k1}
	for round := range 3 {
		next := newKey(t, AsymmetricAlgorithms[round%len(AsymmetricAlgorithms)])
		keys = append(keys, next)
		f.srv.setKeys(keys...)
		f.clock.Advance(DefaultRefreshCooldown + time.Second)
		for _, k := range append([]*testKey{next}, keys...) {
			tok := k.sign(t, f.claims(nil))
			if _, err := f.verify(tok); err != nil {
				t.Fatalf("round %d, kid of %s: %v", round, k.alg, err)
			}
		}
		if n, want := f.fetches(), int64(round+2); n != want {
			t.Errorf("round %d: fetches = %d, want %d", round, n, want)
		}
	}
}

// TestKeyCache_BetterAuthRestart checks a BetterAuth with an in-memory
// database coming back with a wholly new key set.
func TestKeyCache_BetterAuthRestart(t *testing.T) {
	old := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, old)
	fresh := newKey(t, "ES256")
	f.srv.setKeys(fresh)

	tok := fresh.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("Verify with the new set: %v", err)
	}
	tok = old.sign(t, f.claims(nil))
	_, err := f.verify(tok)
	checkErr(t, err, tok, ErrKIDUnknown)
	if n := f.fetches(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
}

// privateScalar returns the private scalar of an EC test key, padded.
func (k *testKey) privateScalar() []byte {
	p := k.priv.(interface{ Bytes() ([]byte, error) })
	b, _ := p.Bytes()
	return b
}

// TestKeyCache_KIDRefusedInCooldownIsRetried checks that a kid refused only
// because the cooldown forbade a fetch triggers one once the cooldown is
// over. BetterAuth signs with a new key the moment it rotates, so the first
// tokens with the new kid may well arrive during a cooldown; no fetch has
// shown that kid absent, so it must not be remembered as absent.
func TestKeyCache_KIDRefusedInCooldownIsRetried(t *testing.T) {
	k1 := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k1)

	// Some other unknown kid starts a cooldown.
	bogus := newKey(t, "EdDSA").sign(t, f.claims(nil))
	_, err := f.verify(bogus)
	checkErr(t, err, bogus, ErrKIDUnknown)

	// BetterAuth rotates; its first token arrives within the cooldown.
	k2 := newKey(t, "EdDSA")
	f.srv.setKeys(k1, k2)
	f.clock.Advance(DefaultRefreshCooldown - time.Second)
	tok := k2.sign(t, f.claims(nil))
	_, err = f.verify(tok)
	checkErr(t, err, tok, ErrKIDUnknown)

	// The cooldown since the last fetch is over: the kid must be looked up.
	f.clock.Advance(2 * time.Second)
	tok = k2.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("new kid once the cooldown is over: %v", err)
	}
	if n := f.fetches(); n != 3 {
		t.Errorf("fetches = %d, want 3", n)
	}
}

// TestKeyCache_NewKIDRightAfterStart checks BetterAuth creating its first
// key, or rotating, just after the Verifier started: the scheduled first
// fetch does not hold back the fetch for the new kid.
func TestKeyCache_NewKIDRightAfterStart(t *testing.T) {
	srv := newJWKSServer(t) // BetterAuth before its first token
	clock := newFakeClock()
	v := newTestVerifier(t, srv, Config{Now: clock.Now, TokenCacheSize: -1})
	waitFetches(t, srv, v, 1)

	k := newKey(t, "EdDSA")
	srv.setKeys(k)
	clock.Advance(time.Second)
	tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify with the first key, 1s after start: %v", err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
}

// TestKeyCache_BackgroundFetchDoesNotDelayNewKID checks that a refresh
// for MaxKeyAge just before BetterAuth rotates does not hold back the
// fetch for the new kid: the cooldown limits fetches for unknown kids.
func TestKeyCache_BackgroundFetchDoesNotDelayNewKID(t *testing.T) {
	k1 := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k1)
	f.clock.Advance(DefaultMaxKeyAge)
	tok := k1.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatal(err)
	}
	waitFetches(t, f.srv, f.v, 2)

	k2 := newKey(t, "EdDSA")
	f.srv.setKeys(k1, k2)
	f.clock.Advance(100 * time.Millisecond)
	tok = k2.sign(t, f.claims(nil))
	if _, err := f.verify(tok); err != nil {
		t.Fatalf("new kid just after a background fetch: %v", err)
	}
	if n := f.fetches(); n != 3 {
		t.Errorf("fetches = %d, want 3", n)
	}
}

// TestKeyCache_StaleSetRefreshLimited checks that requests carrying a known
// kid while the set is past MaxKeyAge and the source fails cause at most one
// fetch per cooldown, and never wait for it.
func TestKeyCache_StaleSetRefreshLimited(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k)
	f.srv.setStatus(http.StatusInternalServerError)
	f.clock.Advance(DefaultMaxKeyAge)

	verifyMany := func() {
		t.Helper()
		tok := k.sign(t, f.claims(nil))
		for range 50 {
			start := time.Now()
			if _, err := f.verify(tok); err != nil {
				t.Fatalf("Verify with the last good keys: %v", err)
			}
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Fatalf("Verify of a known kid waited %s for a refresh", d)
			}
		}
		waitIdle(t, f.v)
	}
	verifyMany()
	if n := f.fetches(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
	f.clock.Advance(DefaultRefreshCooldown - time.Second)
	verifyMany()
	if n := f.fetches(); n != 2 {
		t.Errorf("fetches within the cooldown = %d, want 2", n)
	}
	f.clock.Advance(2 * time.Second)
	verifyMany()
	if n := f.fetches(); n != 3 {
		t.Errorf("fetches after the cooldown = %d, want 3", n)
	}
}

// TestKeyCache_HostileBodies checks that the size cap applies to the body
// as read, after transparent gzip decoding, and that FetchTimeout bounds a
// body that trickles in.
func TestKeyCache_HostileBodies(t *testing.T) {
	k := newKey(t, "EdDSA")
	valid := jwksBody(t, k.jwk())
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write(padJSON(valid, 4*DefaultMaxJWKSBytes))
			zw.Close()
		}},
		{"trickle", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for _, b := range padJSON(valid, len(valid)+200) {
				if _, err := w.Write([]byte{b}); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-time.After(20 * time.Millisecond):
				case <-r.Context().Done():
					return
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			clock := newFakeClock()
			const timeout = 300 * time.Millisecond
			v, err := New(Config{
				BaseURL: testBaseURL, JWKSURL: srv.URL, Now: clock.Now,
				FetchTimeout: timeout,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(v.Close)
			tok := k.sign(t, userClaimsAt("user-1", clock.Now()))
			start := time.Now()
			_, err = v.Verify(t.Context(), tok)
			if d := time.Since(start); d > timeout+time.Second {
				t.Errorf("Verify took %s with FetchTimeout %s", d, timeout)
			}
			checkErr(t, err, tok, ErrKeysUnavailable)
		})
	}
}
