package betterauth

import (
	"strings"
	"testing"
	"time"
)

// profileCase is one token of the access-token profile tests: BetterAuth's
// JWT-plugin claims for user-1 issued now, changed by edit, under a header
// {alg, kid} changed by header.
type profileCase struct {
	name    string
	header  func(h map[string]any)
	edit    func(c map[string]any, now time.Time)
	rewrite func(payload string) string // on the encoded claims
	want    []*Error
}

func set(name string, v any) func(map[string]any, time.Time) {
	return func(c map[string]any, _ time.Time) { c[name] = v }
}

func drop(name string) func(map[string]any, time.Time) {
	return func(c map[string]any, _ time.Time) { delete(c, name) }
}

// at sets a NumericDate claim to now plus d.
func at(name string, d time.Duration) func(map[string]any, time.Time) {
	return func(c map[string]any, now time.Time) { c[name] = now.Add(d).Unix() }
}

func typ(v any) func(map[string]any) {
	return func(h map[string]any) { h["typ"] = v }
}

func runProfile(t *testing.T, f *fixture, k *testKey, tests []profileCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := f.clock.Now()
			claims := userClaimsAt("user-1", now)
			if tt.edit != nil {
				tt.edit(claims, now)
			}
			h := map[string]any{"alg": k.alg}
			if k.kid != "" {
				h["kid"] = k.kid
			}
			if tt.header != nil {
				tt.header(h)
			}
			payload := string(mustJSON(t, claims))
			if tt.rewrite != nil {
				payload = tt.rewrite(payload)
			}
			tok := k.signRaw(t, mustJSON(t, h), []byte(payload))
			p, err := f.verify(tok)
			checkErr(t, err, tok, tt.want...)
			if err == nil && p.Subject != claims["sub"] {
				t.Errorf("Subject = %q, want %v", p.Subject, claims["sub"])
			}
		})
	}
}

func TestVerifier_VerifyProfile(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{}, k)
	leeway := DefaultLeeway
	typeOrAud := want(ErrTokenTypeInvalid, ErrAudienceInvalid)

	runProfile(t, f, k, []profileCase{
		{name: "BetterAuth token", want: accepted},

		// exp is required and honoured with the leeway.
		{name: "exp missing", edit: drop("exp"), want: want(ErrTokenMalformed, ErrTokenExpired)},
		{name: "exp string", edit: set("exp", "2099-01-01"), want: want(ErrTokenMalformed)},
		{name: "exp numeric string", edit: set("exp", "4102444800"), want: want(ErrTokenMalformed)},
		{name: "exp null", edit: set("exp", nil), want: want(ErrTokenMalformed, ErrTokenExpired)},
		{name: "exp bool", edit: set("exp", true), want: want(ErrTokenMalformed)},
		{name: "exp in the past", edit: at("exp", -time.Hour), want: want(ErrTokenExpired)},
		{name: "exp beyond leeway", edit: at("exp", -leeway-time.Second),
			want: want(ErrTokenExpired)},
		{name: "exp at leeway", edit: at("exp", -leeway), want: want(ErrTokenExpired)},
		{name: "exp within leeway", edit: at("exp", -leeway+time.Second), want: accepted},
		{name: "exp now", edit: at("exp", 0), want: accepted},
		{name: "exp zero", edit: set("exp", 0), want: want(ErrTokenExpired)},
		{name: "exp negative", edit: set("exp", -1), want: want(ErrTokenExpired)},
		{name: "exp huge negative", edit: set("exp", -1e300), want: want(ErrTokenExpired)},
		{name: "exp fractional", edit: func(c map[string]any, now time.Time) {
			c["exp"] = float64(now.Unix()) + 0.5
		}, want: accepted},
		{name: "exp far future", edit: set("exp", 1e300), want: accepted},
		{name: "exp overflowing float", rewrite: func(p string) string {
			return replaceNumber(p, "exp", "-1e400")
		}, want: want(ErrTokenExpired, ErrTokenMalformed)},

		// nbf and iat, when present, are honoured with the leeway.
		{name: "nbf beyond leeway", edit: at("nbf", leeway+time.Second),
			want: want(ErrTokenNotYetValid)},
		{name: "nbf an hour ahead", edit: at("nbf", time.Hour), want: want(ErrTokenNotYetValid)},
		{name: "nbf within leeway", edit: at("nbf", leeway-time.Second), want: accepted},
		{name: "nbf in the past", edit: at("nbf", -time.Hour), want: accepted},
		{name: "nbf string", edit: set("nbf", "soon"), want: want(ErrTokenMalformed)},
		{name: "iat beyond leeway", edit: at("iat", leeway+time.Second),
			want: want(ErrTokenNotYetValid)},
		{name: "iat within leeway", edit: at("iat", leeway-time.Second), want: accepted},
		{name: "iat missing", edit: drop("iat"), want: accepted},
		{name: "iat string", edit: set("iat", "now"), want: want(ErrTokenMalformed)},

		// sub is a non-empty string.
		{name: "sub missing", edit: drop("sub"), want: want(ErrSubjectMissing)},
		{name: "sub empty", edit: set("sub", ""), want: want(ErrSubjectMissing)},
		{name: "sub number", edit: set("sub", 42),
			want: want(ErrSubjectMissing, ErrTokenMalformed)},
		{name: "sub null", edit: set("sub", nil), want: want(ErrSubjectMissing, ErrTokenMalformed)},
		{name: "sub bool", edit: set("sub", true),
			want: want(ErrSubjectMissing, ErrTokenMalformed)},
		{name: "sub array", edit: set("sub", []string{"user-1"}),
			want: want(ErrSubjectMissing, ErrTokenMalformed)},
		{name: "sub object", edit: set("sub", map[string]any{"id": "user-1"}),
			want: want(ErrSubjectMissing, ErrTokenMalformed)},
		{name: "sub only as id", edit: drop("sub"), want: want(ErrSubjectMissing)},
		{name: "sub non-ASCII", edit: set("sub", "用户-1"), want: accepted},

		// iss equals the configured issuer exactly.
		{name: "iss missing", edit: drop("iss"), want: want(ErrIssuerInvalid)},
		{name: "iss empty", edit: set("iss", ""), want: want(ErrIssuerInvalid)},
		{name: "iss trailing slash", edit: set("iss", testBaseURL+"/"),
			want: want(ErrIssuerInvalid)},
		{name: "iss upper case", edit: set("iss", strings.ToUpper(testBaseURL)),
			want: want(ErrIssuerInvalid)},
		{name: "iss mixed-case host", edit: set("iss", "https://App.example.com"),
			want: want(ErrIssuerInvalid)},
		{name: "iss http", edit: set("iss", "http://app.example.com"),
			want: want(ErrIssuerInvalid)},
		{name: "iss with port", edit: set("iss", testBaseURL+":443"), want: want(ErrIssuerInvalid)},
		{name: "iss with path", edit: set("iss", testBaseURL+"/api/auth"),
			want: want(ErrIssuerInvalid)},
		{name: "iss other host", edit: set("iss", "https://evil.example.com"),
			want: want(ErrIssuerInvalid)},
		{name: "iss prefix", edit: set("iss", testBaseURL+".evil.com"),
			want: want(ErrIssuerInvalid)},
		{name: "iss leading space", edit: set("iss", " "+testBaseURL),
			want: want(ErrIssuerInvalid)},
		{name: "iss number", edit: set("iss", 1), want: want(ErrIssuerInvalid, ErrTokenMalformed)},
		{name: "iss null", edit: set("iss", nil), want: want(ErrIssuerInvalid, ErrTokenMalformed)},
		{name: "iss array", edit: set("iss", []string{testBaseURL}),
			want: want(ErrIssuerInvalid, ErrTokenMalformed)},
		{name: "iss with escaped slashes", rewrite: func(p string) string {
			return strings.Replace(p, `"iss":"https://`, `"iss":"https:\/\/`, 1)
		}, want: accepted},

		// aud, a string or an array, contains a configured audience.
		{name: "aud missing", edit: drop("aud"), want: want(ErrAudienceInvalid)},
		{name: "aud empty", edit: set("aud", ""), want: want(ErrAudienceInvalid)},
		{name: "aud empty array", edit: set("aud", []string{}), want: want(ErrAudienceInvalid)},
		{name: "aud array", edit: set("aud", []string{testBaseURL}), want: accepted},
		{name: "aud array containing", edit: set("aud", []string{"api-one", testBaseURL}),
			want: accepted},
		{name: "aud array without", edit: set("aud", []string{"api-one", "api-two"}),
			want: want(ErrAudienceInvalid)},
		{name: "aud other", edit: set("aud", "https://evil.example.com"),
			want: want(ErrAudienceInvalid)},
		{name: "aud trailing slash", edit: set("aud", testBaseURL+"/"),
			want: want(ErrAudienceInvalid)},
		{name: "aud upper case", edit: set("aud", strings.ToUpper(testBaseURL)),
			want: want(ErrAudienceInvalid)},
		{name: "aud client id", edit: set("aud", "client_123"), want: want(ErrAudienceInvalid)},
		{name: "aud number", edit: set("aud", 1),
			want: want(ErrAudienceInvalid, ErrTokenMalformed)},
		{name: "aud null", edit: set("aud", nil),
			want: want(ErrAudienceInvalid, ErrTokenMalformed)},
		{name: "aud array of numbers", edit: set("aud", []int{1}),
			want: want(ErrAudienceInvalid, ErrTokenMalformed)},
		{name: "aud mixed array", edit: set("aud", []any{testBaseURL, 1}),
			want: want(ErrAudienceInvalid, ErrTokenMalformed)},
		{name: "aud nested array", edit: set("aud", [][]string{{testBaseURL}}),
			want: want(ErrAudienceInvalid, ErrTokenMalformed)},
		{name: "aud object", edit: set("aud", map[string]any{testBaseURL: true}),
			want: want(ErrAudienceInvalid, ErrTokenMalformed)},

		// typ absent or JWT; the other kinds BetterAuth signs are refused.
		{name: "typ JWT", header: typ("JWT"), want: accepted},
		{name: "typ jwt", header: typ("jwt"), want: accepted},
		{name: "typ at+jwt", header: typ("at+jwt"), want: want(ErrTokenTypeInvalid)},
		{name: "typ AT+JWT", header: typ("AT+JWT"), want: want(ErrTokenTypeInvalid)},
		{name: "typ application/at+jwt", header: typ("application/at+jwt"),
			want: want(ErrTokenTypeInvalid)},
		{name: "typ session cache", header: typ("better-auth.session-cache+jwt"),
			want: want(ErrTokenTypeInvalid)},
		{name: "typ logout", header: typ("logout+jwt"), want: want(ErrTokenTypeInvalid)},
		{name: "typ JOSE", header: typ("JOSE"), want: want(ErrTokenTypeInvalid)},
		{name: "typ JWS", header: typ("JWS"), want: want(ErrTokenTypeInvalid)},
		{name: "typ id_token", header: typ("id_token+jwt"), want: want(ErrTokenTypeInvalid)},
		{name: "typ empty", header: typ(""), want: want(ErrTokenTypeInvalid, ErrTokenMalformed)},
		{name: "typ number", header: typ(1), want: want(ErrTokenTypeInvalid, ErrTokenMalformed)},
		{name: "typ JWT with spaces", header: typ(" JWT "), want: want(ErrTokenTypeInvalid)},

		// BetterAuth's other credentials.
		{
			name:   "1.7 session cookie cache",
			header: typ("better-auth.session-cache+jwt"),
			edit:   sessionCacheClaims,
			want:   typeOrAud,
		},
		{name: "session cookie cache without typ", edit: sessionCacheClaims,
			want: want(ErrAudienceInvalid)},
		{
			name:   "OAuth access token",
			header: typ("at+jwt"),
			edit:   set("aud", "https://api.example.com"),
			want:   typeOrAud,
		},
		{name: "OAuth access token for this audience", header: typ("at+jwt"),
			want: want(ErrTokenTypeInvalid)},
		{
			name: "ID token",
			edit: func(c map[string]any, _ time.Time) {
				c["aud"], c["azp"], c["nonce"] = "client_123", "client_123", "n-0S6_WzA2Mj"
			},
			want: want(ErrAudienceInvalid),
		},
		{
			name:   "logout token",
			header: typ("logout+jwt"),
			edit: func(c map[string]any, _ time.Time) {
				c["aud"] = "client_123"
				const event = "http://schemas.openid.net/event/backchannel-logout"
				c["events"] = map[string]any{event: map[string]any{}}
				c["sid"] = "session-id"
				delete(c, "exp")
			},
			want: want(ErrTokenTypeInvalid, ErrAudienceInvalid, ErrTokenMalformed),
		},

		// Other claims are not part of the profile.
		{name: "user field of another type", edit: set("email", 42), want: accepted},
		{name: "extra claims", edit: set("permissions", map[string]any{"tasks": []string{"read"}}),
			want: accepted},
		{name: "nested ten deep", rewrite: func(p string) string {
			return p[:len(p)-1] + `,"deep":` + nested("[", "]", 10, "1") + "}"
		}, want: accepted},
		{name: "unknown header member", header: func(h map[string]any) { h["x-extra"] = "v" },
			want: accepted},
	})
}

// sessionCacheClaims turns the claims into those of BetterAuth 1.7's
// session cookie cache signed with the JWKS key.
func sessionCacheClaims(c map[string]any, now time.Time) {
	user := map[string]any{}
	for _, k := range []string{"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"} {
		user[k] = c[k]
		delete(c, k)
	}
	c["aud"] = "better-auth:session-cache"
	c["sid"] = "Jc3Y1bGxH8Qm1nqPzcnNHcxXc8bZ2Tgh"
	c["session"] = map[string]any{"id": "s1", "userId": c["sub"], "token": c["sid"]}
	c["user"] = user
	c["updatedAt"] = now.UnixMilli()
	c["version"] = "1"
}

// replaceNumber rewrites the value of a numeric member of an encoded
// object.
func replaceNumber(payload, name, value string) string {
	i := strings.Index(payload, `"`+name+`":`)
	start := i + len(name) + 3
	end := start + strings.IndexAny(payload[start:], ",}")
	return payload[:start] + value + payload[end:]
}

func TestVerifier_VerifyHS256Profile(t *testing.T) {
	f := newSecretFixture(t, Config{})
	k := hmacKey("", []byte(testSecret))
	notAPIToken := want(ErrIssuerInvalid, ErrSubjectMissing, ErrAudienceInvalid)

	runProfile(t, f, k, []profileCase{
		{name: "application token", want: accepted},
		{name: "application token typ JWT", header: typ("JWT"), want: accepted},
		{
			// BetterAuth's cookie cache with strategy "jwt".
			name: "session cookie cache",
			edit: func(c map[string]any, now time.Time) {
				exp, iat := c["exp"], c["iat"]
				clear(c)
				c["session"] = map[string]any{
					"session": map[string]any{"id": "s1", "userId": "user-1", "token": "t"},
					"user":    map[string]any{"id": "user-1", "email": "ada@example.com"},
				}
				c["user"] = map[string]any{"id": "user-1"}
				c["updatedAt"] = now.UnixMilli()
				c["version"] = "1"
				c["iat"], c["exp"] = iat, exp
			},
			want: notAPIToken,
		},
		{
			// BetterAuth 1.7's e-mail verification token.
			name: "e-mail verification token",
			edit: func(c map[string]any, _ time.Time) {
				exp, iat := c["exp"], c["iat"]
				clear(c)
				c["email"], c["userId"] = "carol@example.com", "user-1"
				c["iat"], c["exp"] = iat, exp
			},
			want: notAPIToken,
		},
		{name: "expired", edit: at("exp", -time.Hour), want: want(ErrTokenExpired)},
		{name: "no sub", edit: drop("sub"), want: want(ErrSubjectMissing)},
		{name: "other issuer", edit: set("iss", "https://evil.example.com"),
			want: want(ErrIssuerInvalid)},
		{name: "other audience", edit: set("aud", "other"), want: want(ErrAudienceInvalid)},
		{name: "typ at+jwt", header: typ("at+jwt"), want: want(ErrTokenTypeInvalid)},
	})
}

// TestVerifier_VerifyAccessTokens checks the option that admits OAuth
// access tokens (typ at+jwt), and only for the chosen audience.
func TestVerifier_VerifyAccessTokens(t *testing.T) {
	const api = "https://api.example.com"
	k := newKey(t, "ES256")
	f := newFixture(t, Config{AccessTokenAudience: []string{api}}, k)

	runProfile(t, f, k, []profileCase{
		{name: "at+jwt for the API", header: typ("at+jwt"), edit: set("aud", api), want: accepted},
		{name: "application/at+jwt for the API", header: typ("application/at+jwt"), edit: set("aud", api),
			want: accepted},
		{name: "at+jwt array with the API", header: typ("at+jwt"), edit: set("aud", []string{"other", api}),
			want: accepted},
		{name: "at+jwt for BetterAuth", header: typ("at+jwt"), want: want(ErrAudienceInvalid)},
		{name: "at+jwt other audience", header: typ("at+jwt"), edit: set("aud", "other"),
			want: want(ErrAudienceInvalid)},
		{name: "at+jwt no audience", header: typ("at+jwt"), edit: drop("aud"),
			want: want(ErrAudienceInvalid)},
		{name: "at+jwt other issuer", header: typ("at+jwt"), edit: func(c map[string]any, _ time.Time) {
			c["aud"], c["iss"] = api, "https://evil.example.com"
		}, want: want(ErrIssuerInvalid)},
		{name: "at+jwt expired", header: typ("at+jwt"), edit: func(c map[string]any, now time.Time) {
			c["aud"], c["exp"] = api, now.Add(-time.Hour).Unix()
		}, want: want(ErrTokenExpired)},
		{name: "at+jwt without sub", header: typ("at+jwt"), edit: func(c map[string]any, _ time.Time) {
			c["aud"] = api
			delete(c, "sub")
		}, want: want(ErrSubjectMissing)},
		{name: "API audience without typ", edit: set("aud", api), want: want(ErrAudienceInvalid)},
		{name: "API audience typ JWT", header: typ("JWT"), edit: set("aud", api),
			want: want(ErrAudienceInvalid)},
		{name: "plain token still accepted", want: accepted},
		{name: "logout+jwt for the API", header: typ("logout+jwt"), edit: set("aud", api),
			want: want(ErrTokenTypeInvalid)},
		{name: "session cache for the API", header: typ("better-auth.session-cache+jwt"),
			edit: set("aud", api),
			want: want(ErrTokenTypeInvalid)},
	})
}

// TestVerifier_VerifySessionCacheAudienceConfigured checks that a
// configuration naming the audience of BetterAuth 1.7's session cookie
// cache cannot admit that cookie: either New refuses the audience, or the
// cookie's typ gives it away.
func TestVerifier_VerifySessionCacheAudienceConfigured(t *testing.T) {
	k := newKey(t, "ES256")
	srv := newJWKSServer(t, k)
	for _, cfg := range []Config{
		{Audience: []string{testBaseURL, "better-auth:session-cache"}},
		{AccessTokenAudience: []string{"better-auth:session-cache"}},
	} {
		cfg.JWKSURL, cfg.HTTPClient, cfg.BaseURL = srv.URL, srv.Client(), testBaseURL
		v, err := New(cfg)
		if err != nil {
			continue // refused up front
		}
		t.Cleanup(v.Close)
		waitReady(t, v)
		claims := userClaimsAt("user-1", time.Now())
		sessionCacheClaims(claims, time.Now())
		h := map[string]any{"alg": k.alg, "kid": k.kid, "typ": "better-auth.session-cache+jwt"}
		tok := k.signWith(t, h, claims)
		_, err = v.Verify(t.Context(), tok)
		checkErr(t, err, tok, ErrTokenTypeInvalid, ErrAudienceInvalid)
	}
}

func TestVerifier_VerifyLeeway(t *testing.T) {
	k := newKey(t, "EdDSA")
	if DefaultLeeway > time.Minute {
		t.Errorf("DefaultLeeway = %s, want at most 1m", DefaultLeeway)
	}

	t.Run("default", func(t *testing.T) {
		f := newFixture(t, Config{}, k)
		runProfile(t, f, k, []profileCase{
			{name: "exp 61s ago", edit: at("exp", -61*time.Second), want: want(ErrTokenExpired)},
			{name: "nbf in 61s", edit: at("nbf", 61*time.Second), want: want(ErrTokenNotYetValid)},
			{name: "iat in 61s", edit: at("iat", 61*time.Second), want: want(ErrTokenNotYetValid)},
		})
	})
	t.Run("two minutes", func(t *testing.T) {
		f := newFixture(t, Config{Leeway: 2 * time.Minute}, k)
		runProfile(t, f, k, []profileCase{
			{name: "exp 90s ago", edit: at("exp", -90*time.Second), want: accepted},
			{name: "exp 121s ago", edit: at("exp", -121*time.Second), want: want(ErrTokenExpired)},
			{name: "nbf in 90s", edit: at("nbf", 90*time.Second), want: accepted},
			{name: "nbf in 121s", edit: at("nbf", 121*time.Second),
				want: want(ErrTokenNotYetValid)},
			{name: "iat in 90s", edit: at("iat", 90*time.Second), want: accepted},
			{name: "iat in 121s", edit: at("iat", 121*time.Second),
				want: want(ErrTokenNotYetValid)},
		})
	})
	t.Run("one second", func(t *testing.T) {
		f := newFixture(t, Config{Leeway: time.Second}, k)
		runProfile(t, f, k, []profileCase{
			{name: "exp 2s ago", edit: at("exp", -2*time.Second), want: want(ErrTokenExpired)},
			{name: "nbf in 2s", edit: at("nbf", 2*time.Second), want: want(ErrTokenNotYetValid)},
		})
	})
	t.Run("maximum", func(t *testing.T) {
		f := newFixture(t, Config{Leeway: MaxLeeway}, k)
		runProfile(t, f, k, []profileCase{
			{name: "exp just within", edit: at("exp", -MaxLeeway+time.Second), want: accepted},
			{name: "exp beyond", edit: at("exp", -MaxLeeway-time.Second),
				want: want(ErrTokenExpired)},
		})
	})
}
