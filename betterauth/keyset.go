package betterauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// minRSABits is the smallest RSA modulus accepted from a JWKS.
const minRSABits = 2048

// maxAbsentKIDs bounds the memory of key ids recently shown absent.
const maxAbsentKIDs = 1024

// publicKey is one usable key of a JWKS.
type publicKey struct {
	alg string // the JWK's alg, or "" when it states none
	key any    // ed25519.PublicKey, *ecdsa.PublicKey or *rsa.PublicKey
}

// keySet is one successfully fetched JWKS. It is never modified.
type keySet struct {
	keys      map[string][]publicKey
	fetchedAt time.Time
}

// keyCache keeps the JWKS of one BetterAuth, fetching it at start, when a
// token names a key id it does not hold (at most once per cooldown, one
// fetch shared by every waiting request), and in the background when the set
// is older than the maximum age. It is safe for concurrent use.
type keyCache struct {
	s   *settings
	set atomic.Pointer[keySet]

	mu        sync.Mutex
	inflight  chan struct{} // closed when the running fetch ends
	lastFetch time.Time     // when the last fetch of any cause started
	lastKID   time.Time     // when the last fetch for an unknown kid started
	lastErr   error         // outcome of the last finished fetch
	absent    map[string]time.Time
	fetches   atomic.Int64
}

func newKeyCache(s *settings) *keyCache {
	return &keyCache{s: s, absent: map[string]time.Time{}}
}

// usable returns the current set while it may still verify tokens.
func (c *keyCache) usable(now time.Time) *keySet {
	ks := c.set.Load()
	if ks == nil || now.Sub(ks.fetchedAt) > c.s.StaleKeyTTL {
		return nil
	}
	return ks
}

// ready reports whether a key set that may verify tokens is loaded.
func (c *keyCache) ready() bool {
	return c.usable(c.s.Now()) != nil
}

// lookup returns the key for kid that fits alg, and when its set was
// fetched. An unknown kid causes at most one refresh, subject to the
// cooldown; no caller ever waits for the cooldown to pass.
func (c *keyCache) lookup(ctx context.Context, kid, alg string) (any, time.Time, error) {
	now := c.s.Now()
	ks := c.usable(now)
	if ks != nil {
		if now.Sub(ks.fetchedAt) > c.s.MaxKeyAge {
			c.refreshInBackground()
		}
		if keys, ok := ks.keys[kid]; ok {
			return pickKey(keys, alg, ks.fetchedAt)
		}
	}
	if c.recentlyAbsent(kid, now) {
		return nil, time.Time{}, c.missing(now)
	}
	fetched, err := c.refresh(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	now = c.s.Now()
	if ks = c.usable(now); ks != nil {
		if keys, ok := ks.keys[kid]; ok {
			return pickKey(keys, alg, ks.fetchedAt)
		}
	}
	if fetched {
		// Only a fresh fetch shows a kid absent; one refused inside the
		// cooldown is looked up again once it is over.
		c.markAbsent(kid, now)
	}
	return nil, time.Time{}, c.missing(now)
}

// missing is the error for a key id that the cache cannot supply.
func (c *keyCache) missing(now time.Time) error {
	c.mu.Lock()
	lastErr := c.lastErr
	c.mu.Unlock()
	if c.usable(now) == nil || lastErr != nil {
		return ErrKeysUnavailable
	}
	return fail(ErrKIDUnknown, "no key in the key set has the token's key id")
}

func pickKey(keys []publicKey, alg string, fetchedAt time.Time) (any, time.Time, error) {
	for _, k := range keys {
		if (k.alg == "" || k.alg == alg) && keyFits(k.key, alg) {
			return k.key, fetchedAt, nil
		}
	}
	return nil, time.Time{}, fail(ErrAlgNotAllowed, "the token's algorithm does not match its key")
}

// keyFits reports whether key is of the type and size that alg needs.
func keyFits(key any, alg string) bool {
	switch k := key.(type) {
	case ed25519.PublicKey:
		return alg == "EdDSA"
	case *ecdsa.PublicKey:
		return (alg == "ES256" && k.Curve == elliptic.P256()) ||
			(alg == "ES512" && k.Curve == elliptic.P521())
	case *rsa.PublicKey:
		return alg == "RS256" || alg == "PS256"
	}
	return false
}

func (c *keyCache) recentlyAbsent(kid string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.absent[kid]
	return ok && now.Before(until)
}

func (c *keyCache) markAbsent(kid string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.absent) >= maxAbsentKIDs {
		clear(c.absent)
	}
	c.absent[kid] = now.Add(c.s.RefreshCooldown)
}

// refresh fetches the set unless the cooldown forbids it, joining a fetch
// already under way, and reports whether a fetch ended. It returns
// ErrKeysUnavailable if the caller gives up waiting; the fetch itself goes
// on for the other callers.
func (c *keyCache) refresh(ctx context.Context) (bool, error) {
	done := c.startFetch(causeUnknownKID)
	if done == nil {
		return false, nil
	}
	select {
	case <-done:
		return true, nil
	case <-ctx.Done():
		return false, ErrKeysUnavailable
	}
}

func (c *keyCache) refreshInBackground() { c.startFetch(causeMaxAge) }

// Why a fetch starts. Fetches for unknown key ids are limited to one per
// cooldown among themselves, so a scheduled refresh just before BetterAuth
// rotates does not delay picking up the new key; refreshes of an old set
// triggered by requests are limited to one per cooldown among all fetches;
// the background loop's own fetches are not limited.
const (
	causeUnknownKID = iota
	causeMaxAge
	causeSchedule
)

// startFetch starts a fetch and returns a channel closed when it ends, or
// the running fetch's channel, or nil when the cooldown has not passed.
func (c *keyCache) startFetch(cause int) chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil {
		return c.inflight
	}
	now := c.s.Now()
	cooling := func(last time.Time) bool {
		return !last.IsZero() && now.Sub(last) < c.s.RefreshCooldown
	}
	switch {
	case cause == causeUnknownKID && cooling(c.lastKID),
		cause == causeMaxAge && cooling(c.lastFetch):
		return nil
	case cause == causeUnknownKID:
		c.lastKID = now
	}
	c.lastFetch = now
	done := make(chan struct{})
	c.inflight = done
	go c.fetchAndStore(done)
	return done
}

func (c *keyCache) fetchAndStore(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), c.s.FetchTimeout)
	defer cancel()
	ks, err := c.fetch(ctx)

	c.mu.Lock()
	if err == nil {
		c.set.Store(ks)
		clear(c.absent)
	}
	c.lastErr = err
	c.inflight = nil
	c.mu.Unlock()
	close(done)
}

// fetch downloads and parses the JWKS. Keys that fail to parse, are not
// for signatures, or are too weak are skipped; a set in which every listed
// key was skipped is an error, while an empty set is not (BetterAuth
// creates its first key only when it first signs).
func (c *keyCache) fetch(ctx context.Context) (*keySet, error) {
	c.fetches.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.s.jwksURL, nil)
	if err != nil {
		return nil, fmt.Errorf("betterauth: jwks request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.s.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("betterauth: fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("betterauth: fetch jwks: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.s.MaxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("betterauth: read jwks: %w", err)
	}
	if int64(len(body)) > c.s.MaxJWKSBytes {
		return nil, errors.New("betterauth: jwks response is too large")
	}
	return parseKeySet(body, c.s.Now())
}

func parseKeySet(body []byte, now time.Time) (*keySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("betterauth: parse jwks: %w", err)
	}
	if doc.Keys == nil {
		return nil, errors.New("betterauth: parse jwks: no keys member")
	}
	ks := &keySet{keys: map[string][]publicKey{}, fetchedAt: now}
	for _, raw := range doc.Keys {
		kid, pk, ok := parseKey(raw)
		if ok {
			ks.keys[kid] = append(ks.keys[kid], pk)
		}
	}
	if len(ks.keys) == 0 && len(doc.Keys) > 0 {
		return nil, errors.New("betterauth: parse jwks: no usable key")
	}
	return ks, nil
}

// parseKey turns one JWK into a public verification key. Private members,
// if a misconfigured server publishes them, are dropped.
func parseKey(raw []byte) (string, publicKey, bool) {
	key, err := jwk.ParseKey(raw)
	if err != nil || key.Validate() != nil {
		return "", publicKey{}, false
	}
	kid, _ := key.KeyID()
	if kid == "" {
		return "", publicKey{}, false
	}
	if use, ok := key.KeyUsage(); ok && use != "" && use != "sig" {
		return "", publicKey{}, false
	}
	if ops, ok := key.KeyOps(); ok && len(ops) > 0 && !hasVerify(ops) {
		return "", publicKey{}, false
	}
	pub, err := jwk.PublicRawKeyOf(key)
	if err != nil {
		return "", publicKey{}, false
	}
	switch k := pub.(type) {
	case ed25519.PublicKey, *ecdsa.PublicKey:
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return "", publicKey{}, false
		}
	default:
		return "", publicKey{}, false // symmetric or unsupported
	}
	pk := publicKey{key: pub}
	if alg, ok := key.Algorithm(); ok {
		pk.alg = alg.String()
	}
	return kid, pk, true
}

func hasVerify(ops jwk.KeyOperationList) bool {
	for _, op := range ops {
		if op == jwk.KeyOpVerify {
			return true
		}
	}
	return false
}

// run fetches the set at start and again whenever it reaches the maximum
// age, retrying failures after the cooldown, until ctx ends. The context is
// the Verifier's own, ended by Close.
func (c *keyCache) run(ctx context.Context) {
	for {
		if done := c.startFetch(causeSchedule); done != nil {
			select {
			case <-done:
			case <-ctx.Done():
				return
			}
		}
		wait := c.s.MaxKeyAge
		c.mu.Lock()
		if c.lastErr != nil {
			wait = c.s.RefreshCooldown
		}
		c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}
