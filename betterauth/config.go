package betterauth

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Defaults used for the zero values of Config's fields.
const (
	DefaultJWKSPath        = "/api/auth/jwks"
	DefaultLeeway          = 30 * time.Second
	DefaultRefreshCooldown = 5 * time.Second
	DefaultMaxKeyAge       = 10 * time.Minute
	DefaultStaleKeyTTL     = time.Hour
	DefaultFetchTimeout    = 5 * time.Second
	DefaultMaxJWKSBytes    = 1 << 20
	DefaultMaxTokenBytes   = 8 << 10
	DefaultTokenCacheSize  = 10_000
	MaxLeeway              = 5 * time.Minute
)

// AsymmetricAlgorithms are the JWS algorithms BetterAuth's JWT plugin can
// sign with, and the default set allowed for keys from the JWKS.
var AsymmetricAlgorithms = []string{"EdDSA", "ES256", "ES512", "RS256", "PS256"}

// developmentSecret is the secret BetterAuth falls back to when none is
// configured. It is public, so a token signed with it proves nothing.
const developmentSecret = "better-auth-secret-12345678901234567890"

// sessionCacheAudience is the aud of the session cookie cache that
// BetterAuth 1.7 can sign with its JWKS key.
const sessionCacheAudience = "better-auth:session-cache"

// minSecretLength is the shortest shared secret accepted, in bytes.
const minSecretLength = 32

// Config configures a Verifier. At least one key source is required: a JWKS
// (BaseURL or JWKSURL) or one or more Secrets.
type Config struct {
	// BaseURL is BetterAuth's base URL, such as "https://app.example.com".
	// Its origin is the default Issuer and Audience. The default JWKSURL is
	// BaseURL plus DefaultJWKSPath when BaseURL has no path, and BaseURL
	// plus "/jwks" when it has one, since BetterAuth then serves its API at
	// that path.
	BaseURL string

	// JWKSURL is where BetterAuth publishes its public keys. Empty means
	// derived from BaseURL; with neither, no asymmetric token verifies.
	JWKSURL string

	// Secrets are shared secrets for HS256 tokens, newest first. Each is
	// used as the raw bytes of the string, as BetterAuth does, and must be
	// at least 32 bytes long. Use ParseSecrets for BETTER_AUTH_SECRETS.
	Secrets []string

	// Issuer is the exact iss every token must carry. Empty means the
	// origin of BaseURL; with no BaseURL either, New fails.
	Issuer string

	// Audience lists accepted aud values; a token must name at least one.
	// Empty means the origin of BaseURL; with no BaseURL either, New fails.
	Audience []string

	// Leeway absorbs clock skew in exp, nbf and iat. Zero means
	// DefaultLeeway; it may not exceed MaxLeeway.
	Leeway time.Duration

	// Algorithms restricts the accepted JWS algorithms. Empty means
	// AsymmetricAlgorithms when a JWKS is configured, plus HS256 when
	// Secrets are.
	Algorithms []string

	// AccessTokenAudience, when not empty, also admits OAuth access tokens
	// (typ "at+jwt") from the same key set, but only those whose aud names
	// one of these values. Empty refuses every at+jwt token, which is right
	// unless BetterAuth also runs its OAuth provider for this API.
	AccessTokenAudience []string

	// HTTPClient fetches the JWKS. Nil means a client with FetchTimeout.
	HTTPClient *http.Client

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// RefreshCooldown is the least time between two JWKS fetches caused by
	// unknown key ids. Zero means DefaultRefreshCooldown.
	RefreshCooldown time.Duration

	// MaxKeyAge is how long a fetched key set is used before it is fetched
	// again in the background, so keys BetterAuth dropped stop verifying.
	// Zero means DefaultMaxKeyAge; it may not be shorter than
	// RefreshCooldown.
	MaxKeyAge time.Duration

	// StaleKeyTTL is how long the last good key set keeps verifying while
	// refreshes fail, counted from when it was fetched. Zero means
	// DefaultStaleKeyTTL, or twice MaxKeyAge when that is longer; a value
	// not longer than MaxKeyAge is refused.
	StaleKeyTTL time.Duration

	// FetchTimeout bounds one JWKS fetch. Zero means DefaultFetchTimeout.
	FetchTimeout time.Duration

	// MaxJWKSBytes caps the size of a JWKS response. Zero means
	// DefaultMaxJWKSBytes.
	MaxJWKSBytes int64

	// MaxTokenBytes caps the size of a token. Zero means
	// DefaultMaxTokenBytes.
	MaxTokenBytes int

	// TokenCacheSize bounds how many verified tokens are remembered. Zero
	// means DefaultTokenCacheSize; a negative value turns the cache off.
	TokenCacheSize int
}

// ParseSecrets reads BetterAuth's versioned secrets, a comma-separated list
// of version:secret pairs, newest first, as in BETTER_AUTH_SECRETS. It
// returns the secrets in the same order. Versions must be unique
// non-negative integers; the secret is everything after the first colon,
// with surrounding white space trimmed, as BetterAuth reads it.
func ParseSecrets(s string) ([]string, error) {
	var secrets []string
	seen := map[string]bool{}
	for i, pair := range strings.Split(s, ",") {
		version, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
		version, secret = strings.TrimSpace(version), strings.TrimSpace(secret)
		if !ok || version == "" || secret == "" {
			return nil, fmt.Errorf("betterauth: secret %d is not version:secret", i+1)
		}
		if strings.Trim(version, "0123456789") != "" {
			return nil, fmt.Errorf("betterauth: secret %d has a version that is not a number", i+1)
		}
		if seen[version] {
			return nil, fmt.Errorf("betterauth: secret version %s is listed twice", version)
		}
		seen[version] = true
		secrets = append(secrets, secret)
	}
	return secrets, nil
}

// ConfigError reports a Config that New refuses, and which field is at
// fault. Match it with errors.As.
type ConfigError struct {
	// Field names the Config field at fault, such as "Secrets" or
	// "Issuer"; it is empty when no single field is (no key source).
	Field string

	// Index is the position of the secret at fault in Secrets, and zero
	// for every other field.
	Index int

	msg string
}

func (e *ConfigError) Error() string { return "betterauth: " + e.msg }

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, msg: fmt.Sprintf(format, args...)}
}

// Validate reports whether New would accept c, and otherwise returns a
// *ConfigError, without starting anything.
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// settings is a Config with every default applied and every value checked.
type settings struct {
	Config
	jwksURL     string
	algs        map[string]bool
	hmacKeys    [][]byte
	accessAud   map[string]bool
	audiences   map[string]bool
	jwksEnabled bool
}

func (c Config) resolve() (*settings, error) {
	s := &settings{Config: c}
	origin, err := baseOrigin(c.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := s.resolveKeySources(); err != nil {
		return nil, err
	}
	if err := s.resolveClaims(origin); err != nil {
		return nil, err
	}
	if err := s.resolveAlgorithms(); err != nil {
		return nil, err
	}
	if err := s.checkLimits(); err != nil {
		return nil, err
	}
	s.applyDefaults()
	return s, nil
}

// checkLimits refuses negative durations and sizes, which would otherwise
// turn the cache's safeguards off silently. A negative TokenCacheSize is
// the documented way to turn the token cache off.
func (s *settings) checkLimits() error {
	for _, d := range []struct {
		field, name string
		v           time.Duration
	}{
		{"RefreshCooldown", "refresh cooldown", s.RefreshCooldown},
		{"MaxKeyAge", "maximum key age", s.MaxKeyAge},
		{"StaleKeyTTL", "stale key TTL", s.StaleKeyTTL},
		{"FetchTimeout", "fetch timeout", s.FetchTimeout},
	} {
		if d.v < 0 {
			return configErr(d.field, "%s must not be negative", d.name)
		}
	}
	if s.MaxJWKSBytes < 0 || s.MaxTokenBytes < 0 {
		return configErr("MaxJWKSBytes", "size limits must not be negative")
	}
	cooldown := cmp.Or(s.RefreshCooldown, DefaultRefreshCooldown)
	maxAge := cmp.Or(s.MaxKeyAge, DefaultMaxKeyAge)
	if maxAge < cooldown {
		return configErr("MaxKeyAge", "maximum key age must not be shorter than the refresh cooldown")
	}
	if s.StaleKeyTTL != 0 && s.StaleKeyTTL <= maxAge {
		// The set would stop verifying before its refetch is due.
		return configErr("StaleKeyTTL", "stale key TTL must be longer than the maximum key age")
	}
	return nil
}

func baseOrigin(base string) (string, error) {
	if base == "" {
		return "", nil
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", configErr("BaseURL", "base URL must be an absolute http or https URL")
	}
	// Serialise the origin as BetterAuth does (the WHATWG URL origin):
	// lower-case scheme and host, no default port.
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	for _, r := range host {
		if r >= 0x80 {
			// BetterAuth writes such a host in punycode; converting
			// it needs IDNA tables this package does not carry.
			return "", configErr("BaseURL", "base URL host must be written in ASCII (punycode, xn--...)")
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

func (s *settings) resolveKeySources() error {
	s.jwksURL = s.JWKSURL
	if s.jwksURL == "" && s.BaseURL != "" {
		s.jwksURL = defaultJWKSURL(s.BaseURL)
	}
	if s.jwksURL != "" {
		u, err := url.Parse(s.jwksURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return configErr("JWKSURL", "JWKS URL must be an absolute http or https URL")
		}
		s.jwksEnabled = true
	}
	for i, secret := range s.Secrets {
		switch {
		case secret == developmentSecret:
			return &ConfigError{Field: "Secrets", Index: i, msg: "secret is BetterAuth's public development default"}
		case len(secret) < minSecretLength:
			return &ConfigError{Field: "Secrets", Index: i, msg: fmt.Sprintf("secret is shorter than %d bytes", minSecretLength)}
		}
		s.hmacKeys = append(s.hmacKeys, []byte(secret))
	}
	if !s.jwksEnabled && len(s.hmacKeys) == 0 {
		return configErr("", "no key source: set a base URL, a JWKS URL or a secret")
	}
	return nil
}

// defaultJWKSURL follows BetterAuth's rule for its base URL: a URL with no
// path serves the API under /api/auth, while a path in the URL is the API's
// base path itself.
func defaultJWKSURL(base string) string {
	u, err := url.Parse(base)
	if err != nil || strings.Trim(u.Path, "/") == "" {
		return strings.TrimRight(base, "/") + DefaultJWKSPath
	}
	return strings.TrimRight(base, "/") + "/jwks"
}

func (s *settings) resolveClaims(origin string) error {
	if s.Issuer == "" {
		s.Issuer = origin
	}
	if s.Issuer == "" {
		return configErr("Issuer", "no issuer: set a base URL or an issuer")
	}
	if len(s.Audience) == 0 && origin != "" {
		s.Audience = []string{origin}
	}
	if len(s.Audience) == 0 {
		return configErr("Audience", "no audience: set a base URL or an audience")
	}
	s.audiences = setOf(s.Audience)
	s.accessAud = setOf(s.AccessTokenAudience)
	if s.audiences[""] || s.accessAud[""] {
		return configErr("Audience", "an audience is empty")
	}
	if s.audiences[sessionCacheAudience] || s.accessAud[sessionCacheAudience] {
		// BetterAuth signs session cookies for this audience with the
		// same key as API tokens; admitting it admits cookies.
		return configErr("Audience", "audience %s is BetterAuth's session cookie cache", sessionCacheAudience)
	}
	if s.Leeway < 0 || s.Leeway > MaxLeeway {
		return configErr("Leeway", "leeway must be between 0 and %s", MaxLeeway)
	}
	if s.Leeway == 0 {
		s.Leeway = DefaultLeeway
	}
	return nil
}

func (s *settings) resolveAlgorithms() error {
	algs := s.Algorithms
	if len(algs) == 0 {
		if s.jwksEnabled {
			algs = append(algs, AsymmetricAlgorithms...)
		}
		if len(s.hmacKeys) > 0 {
			algs = append(algs, "HS256")
		}
	}
	s.algs = map[string]bool{}
	for _, alg := range algs {
		switch {
		case alg == "HS256" && len(s.hmacKeys) == 0:
			return configErr("Algorithms", "HS256 is allowed but no secret is set")
		case alg != "HS256" && !slices.Contains(AsymmetricAlgorithms, alg):
			return configErr("Algorithms", "algorithm %q is not supported", alg)
		case alg != "HS256" && !s.jwksEnabled:
			return configErr("Algorithms", "algorithm %s is allowed but no JWKS is set", alg)
		}
		s.algs[alg] = true
	}
	return nil
}

func (s *settings) applyDefaults() {
	setDefault(&s.RefreshCooldown, DefaultRefreshCooldown)
	setDefault(&s.MaxKeyAge, DefaultMaxKeyAge)
	setDefault(&s.FetchTimeout, DefaultFetchTimeout)
	setDefault(&s.MaxJWKSBytes, DefaultMaxJWKSBytes)
	setDefault(&s.MaxTokenBytes, DefaultMaxTokenBytes)
	setDefault(&s.TokenCacheSize, DefaultTokenCacheSize)
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.StaleKeyTTL == 0 {
		s.StaleKeyTTL = max(DefaultStaleKeyTTL, 2*s.MaxKeyAge)
	}
	if s.HTTPClient == nil {
		s.HTTPClient = &http.Client{Timeout: s.FetchTimeout, CheckRedirect: noRedirects}
	}
}

// noRedirects keeps the JWKS fetch at the configured URL: a redirect could
// lead from https to plain http, where anyone on the path could swap the
// keys. BetterAuth never redirects its JWKS.
func noRedirects(*http.Request, []*http.Request) error {
	return errors.New("betterauth: the JWKS URL redirects; configure the final URL")
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func setOf(values []string) map[string]bool {
	m := make(map[string]bool, len(values))
	for _, v := range values {
		m[v] = true
	}
	return m
}
