package betterauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The helpers below build on helpers_test.go for the table and scenario
// tests: a Verifier under a fake clock, keys that are cheap to make, and
// assertions on errors that also check that nothing secret leaks.

// Secrets used by the tests. Every error text is checked against them.
const (
	secretNew = "new-shared-secret-0123456789abcdef-v2"
	secretOld = "old-shared-secret-0123456789abcdef-v1"
)

var testSecrets = []string{
	testSecret, secretNew, secretOld, secretBase64Like, secretHexLike,
	secretUTF8, devSecretTyped, devSecretRuntime,
}

// rsaPool holds RSA keys made once per test binary: generating 2048-bit
// keys under -race takes long enough to dominate the run.
var rsaPool struct {
	once sync.Once
	keys [2]*rsa.PrivateKey
	weak *rsa.PrivateKey // 1024 bits: too weak to be accepted
	err  error
}

func pooledRSA(tb testing.TB, i int) *rsa.PrivateKey {
	tb.Helper()
	rsaPool.once.Do(func() {
		for j := range rsaPool.keys {
			rsaPool.keys[j], rsaPool.err = rsa.GenerateKey(rand.Reader, 2048)
			if rsaPool.err != nil {
				return
			}
		}
		rsaPool.weak, rsaPool.err = rsa.GenerateKey(rand.Reader, 1024)
	})
	if rsaPool.err != nil {
		tb.Fatal(rsaPool.err)
	}
	if i < 0 {
		return rsaPool.weak
	}
	return rsaPool.keys[i]
}

// newKey is newTestKey with RSA keys from the pool: RS256 and PS256 get
// different private keys, and every call a fresh kid.
func newKey(tb testing.TB, alg string) *testKey {
	tb.Helper()
	switch alg {
	case "RS256":
		return &testKey{alg: alg, kid: randomKID(tb), priv: pooledRSA(tb, 0)}
	case "PS256":
		return &testKey{alg: alg, kid: randomKID(tb), priv: pooledRSA(tb, 1)}
	}
	return newTestKey(tb, alg)
}

// asymmetricKeys returns one new key per algorithm BetterAuth signs with.
func asymmetricKeys(tb testing.TB) map[string]*testKey {
	tb.Helper()
	keys := map[string]*testKey{}
	for _, alg := range AsymmetricAlgorithms {
		keys[alg] = newKey(tb, alg)
	}
	return keys
}

// as returns a copy of k that puts alg in the header but signs as before:
// for tokens whose alg does not fit their key.
func (k *testKey) as(alg string) *testKey {
	c := *k
	c.alg = alg
	return &c
}

// jwkWithout returns k's public JWK without the named members.
func (k *testKey) jwkWithout(names ...string) map[string]any {
	m := k.jwk()
	for _, n := range names {
		delete(m, n)
	}
	return m
}

// jwksBody encodes a key set from JWKs or arbitrary values.
func jwksBody(tb testing.TB, entries ...any) []byte {
	tb.Helper()
	if entries == nil {
		entries = []any{}
	}
	return mustJSON(tb, map[string]any{"keys": entries})
}

// fixture is a Verifier under a fake clock whose JWKS server holds keys,
// with the initial fetch done and the refresh cooldown already passed, so
// the next unknown kid causes a fetch.
type fixture struct {
	clock *fakeClock
	srv   *jwksServer
	v     *Verifier
}

// newFixture builds a fixture. cfg.Now is set to the fake clock and, unless
// cfg sets a size, the token cache is off so that every Verify goes through
// the whole path.
func newFixture(tb testing.TB, cfg Config, keys ...*testKey) *fixture {
	tb.Helper()
	return startFixture(tb, cfg, newJWKSServer(tb, keys...))
}

// newFixtureBody builds a fixture whose JWKS server answers with body.
func newFixtureBody(tb testing.TB, cfg Config, body []byte) *fixture {
	tb.Helper()
	srv := newJWKSServer(tb)
	srv.setBody(body)
	return startFixture(tb, cfg, srv)
}

func startFixture(tb testing.TB, cfg Config, srv *jwksServer) *fixture {
	tb.Helper()
	f := &fixture{clock: newFakeClock(), srv: srv}
	cfg.Now = f.clock.Now
	if cfg.TokenCacheSize == 0 {
		cfg.TokenCacheSize = -1
	}
	f.v = newTestVerifier(tb, f.srv, cfg)
	if srv == nil {
		return f
	}
	waitReady(tb, f.v)
	waitIdle(tb, f.v)
	f.clock.Advance(f.v.s.RefreshCooldown + time.Second)
	return f
}

// newSecretFixture builds a fixture with shared secrets and no JWKS.
func newSecretFixture(tb testing.TB, cfg Config) *fixture {
	tb.Helper()
	if cfg.Secrets == nil {
		cfg.Secrets = []string{testSecret}
	}
	return startFixture(tb, cfg, nil)
}

// claims returns the claims of a BetterAuth token for user-1 issued now,
// changed by edit.
func (f *fixture) claims(edit func(map[string]any)) map[string]any {
	c := userClaimsAt("user-1", f.clock.Now())
	if edit != nil {
		edit(c)
	}
	return c
}

func (f *fixture) verify(tok string) (*Principal, error) {
	return f.v.Verify(context.Background(), tok)
}

func (f *fixture) fetches() int64 {
	if f.srv == nil {
		return 0
	}
	return f.srv.fetches.Load()
}

// waitIdle waits until v has no JWKS fetch under way.
func waitIdle(tb testing.TB, v *Verifier) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v.keys.mu.Lock()
		busy := v.keys.inflight != nil
		v.keys.mu.Unlock()
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatal("JWKS fetch still running after 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFetches waits until srv has answered at least n fetches and v has
// none under way.
func waitFetches(tb testing.TB, srv *jwksServer, v *Verifier, n int64) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.fetches.Load() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("fetches = %d after 5s, want %d", srv.fetches.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	waitIdle(tb, v)
}

// stall makes srv hold every answer until the returned release is called;
// release is also called when the test ends, before the server closes.
func stall(tb testing.TB, srv *jwksServer) (release func()) {
	tb.Helper()
	ch := make(chan struct{})
	var once sync.Once
	release = func() {
		once.Do(func() {
			srv.setStall(nil)
			close(ch)
		})
	}
	srv.setStall(ch)
	tb.Cleanup(release)
	return release
}

// sentinels lists every verification error.
var sentinels = []*Error{
	ErrTokenMissing, ErrTokenMalformed, ErrAlgNotAllowed, ErrKIDUnknown,
	ErrSignatureInvalid, ErrTokenExpired, ErrTokenNotYetValid,
	ErrIssuerInvalid, ErrAudienceInvalid, ErrTokenTypeInvalid,
	ErrSubjectMissing, ErrKeysUnavailable,
}

func codesOf(errs []*Error) string {
	var codes []string
	for _, e := range errs {
		if e == nil {
			codes = append(codes, "<nil>")
			continue
		}
		codes = append(codes, e.Code())
	}
	return strings.Join(codes, " or ")
}

// checkErr fails unless err matches one of want, matches exactly one
// sentinel, reports that sentinel's code, and says nothing of the token or
// of a secret. A nil in want admits success.
func checkErr(tb testing.TB, err error, token string, want ...*Error) {
	tb.Helper()
	if err == nil {
		if !slices.Contains(want, nil) {
			tb.Errorf("err = nil, want %s", codesOf(want))
		}
		return
	}
	var matched []*Error
	for _, s := range sentinels {
		if errors.Is(err, s) {
			matched = append(matched, s)
		}
	}
	if len(matched) != 1 {
		tb.Errorf("err %q matches %d sentinels, want exactly 1", err, len(matched))
	}
	ok := slices.ContainsFunc(want, func(w *Error) bool {
		return w != nil && errors.Is(err, w)
	})
	if !ok {
		tb.Errorf("err = %q (code %q), want %s", err, Code(err), codesOf(want))
	}
	if len(matched) == 1 && Code(err) != matched[0].Code() {
		tb.Errorf("Code(err) = %q, want %q", Code(err), matched[0].Code())
	}
	checkNoLeak(tb, token, err.Error(), Description(err))
}

// checkNoLeak fails if any text holds the token, one of its segments, or a
// test secret.
func checkNoLeak(tb testing.TB, token string, texts ...string) {
	tb.Helper()
	forbidden := slices.Clone(testSecrets)
	if len(token) >= 8 {
		forbidden = append(forbidden, token)
	}
	for _, seg := range strings.Split(token, ".") {
		if len(seg) >= 8 {
			forbidden = append(forbidden, seg)
		}
	}
	for _, text := range texts {
		for _, f := range forbidden {
			if strings.Contains(text, f) {
				tb.Errorf("text %q contains the token, a segment or a secret", text)
			}
		}
	}
}

func want(errs ...*Error) []*Error { return errs }

// accepted admits success only.
var accepted = want(nil)
