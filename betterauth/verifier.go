package betterauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
)

// Verifier decides whether a bearer token is a valid BetterAuth API
// credential and whose it is. It is safe for concurrent use. A Verifier with
// a JWKS runs a background goroutine until Close.
type Verifier struct {
	s      *settings
	keys   *keyCache // nil without a JWKS
	cache  *tokenCache
	cancel context.CancelFunc
}

// New checks cfg and returns a Verifier. It returns an error naming the
// setting at fault when the configuration is incomplete or unsafe. With a
// JWKS, New starts fetching it in the background and returns at once: the
// Verifier answers ErrKeysUnavailable for asymmetric tokens until a key set
// arrives.
func New(cfg Config) (*Verifier, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	v := &Verifier{s: s, cache: newTokenCache(s.TokenCacheSize), cancel: func() {}}
	if s.jwksEnabled {
		v.keys = newKeyCache(s)
		ctx, cancel := context.WithCancel(context.Background())
		v.cancel = cancel
		go v.keys.run(ctx)
	}
	return v, nil
}

// Close stops the background key refresh. Verify keeps working with the keys
// already fetched.
func (v *Verifier) Close() { v.cancel() }

// Ready reports whether the Verifier can verify every kind of token it is
// configured for: true without a JWKS, and otherwise once a key set has been
// fetched and while it is not older than StaleKeyTTL.
func (v *Verifier) Ready() bool {
	return v.keys == nil || v.keys.ready()
}

// KeysError returns why the last JWKS fetch failed, or nil when it
// succeeded, none has ended yet, or no JWKS is configured. The error names
// the failure (a status, a timeout, a parse error), never a token or a
// secret; it is meant for logs and readiness probes.
func (v *Verifier) KeysError() error {
	if v.keys == nil {
		return nil
	}
	v.keys.mu.Lock()
	defer v.keys.mu.Unlock()
	return v.keys.lastErr
}

// Issuer returns the issuer every token must carry, after defaults.
func (v *Verifier) Issuer() string { return v.s.Issuer }

// Audience returns the accepted audiences, after defaults. The caller must
// not modify the slice.
func (v *Verifier) Audience() []string { return v.s.Audience }

// JWKSURL returns where keys are fetched from, after defaults, or "" when
// only shared secrets are configured.
func (v *Verifier) JWKSURL() string { return v.s.jwksURL }

// Verify checks token and returns its principal. Errors match one of the
// package's sentinels with errors.Is; ErrKeysUnavailable means the key set
// could not be had and the request may succeed later. ctx bounds only the
// wait for a key set refresh.
func (v *Verifier) Verify(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, ErrTokenMissing
	}
	now := v.s.Now()
	if p := v.cache.get(token, now); p != nil {
		return p, nil
	}
	t, err := parseToken(token, v.s)
	if err != nil {
		return nil, err
	}
	keyTime, err := v.checkSignature(ctx, t)
	if err != nil {
		return nil, err
	}
	if t.alg != "HS256" {
		// A key set refresh may have made the caller wait.
		now = v.s.Now()
	}
	p, err := v.checkClaims(t, now)
	if err != nil {
		return nil, err
	}
	v.cache.put(token, p, v.cacheUntil(p, keyTime, now))
	return p, nil
}

// cacheUntil is when a cached principal must be verified afresh: when the
// token expires, or when its key set (for HS256, the verification itself)
// reaches the maximum key age.
func (v *Verifier) cacheUntil(p *Principal, keyTime, now time.Time) time.Time {
	if keyTime.IsZero() {
		keyTime = now
	}
	until := keyTime.Add(v.s.MaxKeyAge)
	if exp := p.expiresAt.Add(v.s.Leeway); exp.Before(until) {
		until = exp
	}
	return until
}

// checkSignature verifies the signature with the configured secrets for
// HS256, and otherwise with the JWKS key that the token's kid names. It
// returns when the key set in use was fetched.
func (v *Verifier) checkSignature(ctx context.Context, t *token) (time.Time, error) {
	if t.alg == "HS256" {
		for _, secret := range v.s.hmacKeys {
			if jwsbb.VerifyHMAC(secret, t.signingInput, t.signature, sha256New) == nil {
				return time.Time{}, nil
			}
		}
		return time.Time{}, fail(ErrSignatureInvalid, "no configured secret matches")
	}
	if v.keys == nil {
		return time.Time{}, fail(ErrAlgNotAllowed, "no JWKS is configured")
	}
	key, fetchedAt, err := v.keys.lookup(ctx, t.kid, t.alg)
	if err != nil {
		return time.Time{}, err
	}
	if err := verifySignature(key, t); err != nil {
		return time.Time{}, fail(ErrSignatureInvalid, "signature does not match the key")
	}
	return fetchedAt, nil
}

// verifySignature checks an asymmetric signature with a key that keyFits
// already matched to the token's algorithm.
func verifySignature(key any, t *token) error {
	switch k := key.(type) {
	case ed25519.PublicKey:
		return jwsbb.VerifyEdDSA(k, t.signingInput, t.signature)
	case *ecdsa.PublicKey:
		h := crypto.SHA256
		if t.alg == "ES512" {
			h = crypto.SHA512
		}
		return jwsbb.VerifyECDSA(k, t.signingInput, t.signature, h)
	case *rsa.PublicKey:
		return jwsbb.VerifyRSA(k, t.signingInput, t.signature, crypto.SHA256, t.alg == "PS256")
	}
	return errors.New("betterauth: unsupported key type")
}

// checkClaims applies the access-token profile to a token whose signature
// verified.
func (v *Verifier) checkClaims(t *token, now time.Time) (*Principal, error) {
	c := &t.claims
	leeway := v.s.Leeway
	switch {
	case !c.hasExp:
		return nil, fail(ErrTokenMalformed, "token has no exp claim")
	case !now.Before(c.exp.Add(leeway)):
		return nil, ErrTokenExpired
	case c.hasNbf && now.Add(leeway).Before(c.nbf):
		return nil, fail(ErrTokenNotYetValid, "nbf is in the future")
	case c.hasIat && now.Add(leeway).Before(c.iat):
		return nil, fail(ErrTokenNotYetValid, "iat is in the future")
	case !c.hasIss || c.iss != v.s.Issuer:
		// The expected value is configuration, not a secret; the
		// token's own is not echoed.
		return nil, fail(ErrIssuerInvalid, "want "+v.s.Issuer)
	case !v.audienceAccepted(t):
		return nil, fail(ErrAudienceInvalid, "want one of "+strings.Join(v.acceptedAudience(t), ", "))
	case !c.hasSub || c.subNotText || c.sub == "":
		return nil, ErrSubjectMissing
	}
	return &Principal{
		Subject:   c.sub,
		issuer:    c.iss,
		audience:  c.aud,
		expiresAt: c.exp,
		issuedAt:  c.iat,
		alg:       t.alg,
		payload:   t.payload,
	}, nil
}

// acceptedAudience lists the audiences a token of t's type may name.
func (v *Verifier) acceptedAudience(t *token) []string {
	if t.typ == "at+jwt" {
		return v.s.AccessTokenAudience
	}
	return v.s.Audience
}

func (v *Verifier) audienceAccepted(t *token) bool {
	accepted := v.s.audiences
	if t.typ == "at+jwt" {
		accepted = v.s.accessAud
	}
	return slices.ContainsFunc(t.claims.aud, func(a string) bool { return accepted[a] })
}
