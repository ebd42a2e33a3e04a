package main

import (
	"errors"
	"flag"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	secretA = "0123456789abcdef0123456789abcdef-secret-a"
	secretB = "fedcba9876543210fedcba9876543210-secret-b"
)

// lookup serves env as the environment.
func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestLoadConfig_Defaults(t *testing.T) {
	cfg, err := loadConfig(nil, lookup(map[string]string{
		envBaseURL: "https://app.example.com/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	v := cfg.verifier
	// betterauth derives the issuer, audience and JWKS URL itself.
	if v.BaseURL != "https://app.example.com/" || v.Issuer != "" ||
		len(v.Audience) != 0 || v.JWKSURL != "" ||
		v.Leeway != 30*time.Second || v.RefreshCooldown != 5*time.Second ||
		v.MaxKeyAge != 10*time.Minute || len(v.Secrets) != 0 {
		t.Errorf("verifier config %+v", v)
	}
	want := config{
		verifier:  v,
		database:  database{engine: "sqlite", path: "gatehouse.db"},
		addr:      ":8080",
		logLevel:  slog.LevelInfo,
		logFormat: "text",
	}
	if diff := cmp.Diff(want, cfg, cmp.AllowUnexported(config{}, database{})); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}

func TestLoadConfig_Values(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c config)
	}{
		{"secret alone with issuer and audience", nil, map[string]string{
			envSecret: secretA, envIssuer: "https://iss", envAudience: " api-1 , api-2",
		}, func(t *testing.T, c config) {
			v := c.verifier
			if v.JWKSURL != "" || v.BaseURL != "" || !slices.Equal(v.Secrets, []string{secretA}) ||
				v.Issuer != "https://iss" || !slices.Equal(v.Audience, []string{"api-1", "api-2"}) {
				t.Errorf("verifier %+v", v)
			}
		}},
		{"secrets newest first, then the secret", nil, map[string]string{
			envBaseURL: "https://a.example", envSecrets: "2:" + secretB + ",1:" + secretA,
			envSecret: secretA,
		}, func(t *testing.T, c config) {
			if !slices.Equal(c.verifier.Secrets, []string{secretB, secretA}) {
				t.Errorf("secrets %q", c.verifier.Secrets)
			}
		}},
		{"secret not in the list is added", nil, map[string]string{
			envBaseURL: "https://a.example", envSecrets: "1:" + secretB, envSecret: secretA,
		}, func(t *testing.T, c config) {
			if !slices.Equal(c.verifier.Secrets, []string{secretB, secretA}) {
				t.Errorf("secrets %q", c.verifier.Secrets)
			}
		}},
		{"durations", nil, map[string]string{
			envBaseURL: "https://a.example", envLeeway: "5s",
			envRefreshCooldown: "250ms", envMaxKeyAge: "1h",
		}, func(t *testing.T, c config) {
			v := c.verifier
			if v.Leeway != 5*time.Second || v.RefreshCooldown != 250*time.Millisecond ||
				v.MaxKeyAge != time.Hour {
				t.Errorf("durations %s %s %s", v.Leeway, v.RefreshCooldown, v.MaxKeyAge)
			}
		}},
		{"flags win over the environment", []string{
			"--leeway=10s", "--addr", "127.0.0.1:9000", "--log-format=json",
		}, map[string]string{
			envBaseURL: "https://a.example", envLeeway: "20s", envAddr: ":7000",
		}, func(t *testing.T, c config) {
			if c.verifier.Leeway != 10*time.Second || c.addr != "127.0.0.1:9000" ||
				c.logFormat != "json" {
				t.Errorf("config %+v", c)
			}
		}},
		{"every setting has a flag", []string{
			"--better-auth-url=https://a.example", "--jwks-url=https://keys.example/jwks",
			"--secret=" + secretA, "--secrets=1:" + secretB, "--issuer=iss",
			"--audience=aud", "--leeway=1s", "--jwks-refresh-cooldown=1s",
			"--jwks-max-age=1m", "--insecure-http-jwks", "--database-url=sqlite:x.db",
			"--addr=:1", "--cors-origins=https://b.example", "--log-level=debug",
			"--log-format=json",
		}, nil, func(t *testing.T, c config) {
			v := c.verifier
			if v.BaseURL != "https://a.example" || v.JWKSURL != "https://keys.example/jwks" ||
				len(v.Secrets) != 2 || v.Issuer != "iss" || v.Audience[0] != "aud" ||
				c.database.path != "x.db" || c.addr != ":1" ||
				c.corsOrigins[0] != "https://b.example" || c.logLevel != slog.LevelDebug {
				t.Errorf("config %+v", c)
			}
		}},
		{"PORT", nil, map[string]string{envBaseURL: "https://a.example", envPort: "3000"},
			func(t *testing.T, c config) {
				if c.addr != ":3000" {
					t.Errorf("addr %q", c.addr)
				}
			}},
		{"GATEHOUSE_ADDR wins over PORT", nil, map[string]string{
			envBaseURL: "https://a.example", envPort: "3000", envAddr: "127.0.0.1:4000",
		}, func(t *testing.T, c config) {
			if c.addr != "127.0.0.1:4000" {
				t.Errorf("addr %q", c.addr)
			}
		}},
		{"empty variables count as unset", nil, map[string]string{
			envBaseURL: "https://a.example", envAddr: "", envLeeway: "", envDatabaseURL: "",
		}, func(t *testing.T, c config) {
			if c.addr != ":8080" || c.verifier.Leeway != 30*time.Second ||
				c.database.path != "gatehouse.db" {
				t.Errorf("config %+v", c)
			}
		}},
		{"plain http JWKS on loopback", nil, map[string]string{envBaseURL: "http://127.0.0.1:3000"}, nil},
		{"plain http JWKS on LOCALHOST", nil, map[string]string{envBaseURL: "http://LOCALHOST:3000"}, nil},
		{"plain http JWKS on localhost", nil, map[string]string{
			envJWKSURL: "http://localhost:3000/jwks", envIssuer: "i", envAudience: "a",
		}, nil},
		{"plain http JWKS allowed", nil, map[string]string{
			envBaseURL: "http://auth.internal:3000", envInsecureJWKS: "true",
		}, nil},
		{"log level and format", nil, map[string]string{
			envBaseURL: "https://a.example", envLogLevel: "warn", envLogFormat: "json",
		}, func(t *testing.T, c config) {
			if c.logLevel != slog.LevelWarn || c.logFormat != "json" {
				t.Errorf("log %v %s", c.logLevel, c.logFormat)
			}
		}},
		{"CORS origins", nil, map[string]string{
			envBaseURL: "https://a.example", envCORSOrigins: "https://App.Example.com, http://localhost:5173",
		}, func(t *testing.T, c config) {
			want := []string{"https://app.example.com", "http://localhost:5173"}
			if !slices.Equal(c.corsOrigins, want) {
				t.Errorf("origins %q, want %q", c.corsOrigins, want)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := loadConfig(c.args, lookup(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.check != nil {
				c.check(t, cfg)
			}
		})
	}
}

func TestLoadConfig_Databases(t *testing.T) {
	cases := []struct {
		url  string
		want database
	}{
		{"sqlite:data/tasks.db", database{engine: "sqlite", path: "data/tasks.db"}},
		{"sqlite:/var/lib/gatehouse.db", database{engine: "sqlite", path: "/var/lib/gatehouse.db"}},
		{"sqlite://tasks.db", database{engine: "sqlite", path: "tasks.db"}},
		{"sqlite:///var/lib/gatehouse.db", database{engine: "sqlite", path: "/var/lib/gatehouse.db"}},
		{"postgres://u:pw@db:5432/gatehouse", database{engine: "postgres", url: "postgres://u:pw@db:5432/gatehouse"}},
		{"postgresql://db/gatehouse?sslmode=require", database{engine: "postgres", url: "postgresql://db/gatehouse?sslmode=require"}},
	}
	for _, c := range cases {
		cfg, err := loadConfig(nil, lookup(map[string]string{
			envBaseURL: "https://a.example", envDatabaseURL: c.url,
		}))
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if cfg.database != c.want {
			t.Errorf("%s: %+v, want %+v", c.url, cfg.database, c.want)
		}
	}
	for _, u := range []string{
		"postgres://u:hunter2@db/x",
		"postgres://u@db/x?sslmode=disable&password=hunter2",
	} {
		db := database{engine: "postgres", url: u}
		if got := db.String(); strings.Contains(got, "hunter2") {
			t.Errorf("database name %q shows the password", got)
		}
		if got := db.password(); got != "hunter2" {
			t.Errorf("password of %q = %q, want hunter2", u, got)
		}
	}
}

func TestLoadConfig_Refusals(t *testing.T) {
	base := map[string]string{envBaseURL: "https://app.example.com"}
	with := func(kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	const short = "only-thirty-one-bytes-long-1234"
	const devSecret = "better-auth-secret-12345678901234567890"
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // the setting the error names
	}{
		{"no key source", map[string]string{envIssuer: "i", envAudience: "a"}, nil, envBaseURL},
		{"base URL not a URL", with(envBaseURL, "app.example.com"), nil, envBaseURL},
		{"base URL not http", with(envBaseURL, "ftp://app.example.com"), nil, envBaseURL},
		{"base URL with a password", with(envBaseURL, "https://u:pw@app.example.com"), nil, envBaseURL},
		{"base URL with a query", with(envBaseURL, "https://app.example.com/?x=1"), nil, envBaseURL},
		{"JWKS URL relative", with(envJWKSURL, "/api/auth/jwks"), nil, envJWKSURL},
		{"JWKS over plain http", with(envJWKSURL, "http://auth.internal/jwks"), nil, envJWKSURL},
		{"base URL over plain http", with(envBaseURL, "http://auth.internal"), nil, envBaseURL},
		{"max age under the cooldown", with(envBaseURL, "https://a.example", envMaxKeyAge, "1s", envRefreshCooldown, "2s"), nil, envMaxKeyAge},
		{"max age under the default cooldown", with(envBaseURL, "https://a.example", envMaxKeyAge, "1ms"), nil, envMaxKeyAge},
		{"insecure not a boolean", with(envBaseURL, "http://auth.internal", envInsecureJWKS, "yes please"), nil, envInsecureJWKS},
		{"secret too short", with(envSecret, short), nil, envSecret},
		{"development secret", with(envSecret, devSecret), nil, envSecret},
		{"development secret in the list", with(envSecrets, "2:"+secretA+",1:"+devSecret),
			nil, envSecrets + ": secret 2"},
		{"secrets without versions", with(envSecrets, secretA), nil, envSecrets},
		{"secrets with a version twice", with(envSecrets, "1:"+secretA+",1:"+secretB), nil, envSecrets},
		{"second of the secrets short", with(envSecrets, "2:"+secretA+",1:"+short), nil, envSecrets},
		{"no issuer without base URL", map[string]string{envSecret: secretA, envAudience: "a"}, nil, envIssuer},
		{"no audience without base URL", map[string]string{envSecret: secretA, envIssuer: "i"}, nil, envAudience},
		{"empty audience item", with(envAudience, "a,,b"), nil, envAudience},
		{"leeway not a duration", with(envLeeway, "30"), nil, envLeeway},
		{"leeway negative", with(envLeeway, "-1s"), nil, envLeeway},
		{"leeway zero", with(envLeeway, "0s"), nil, envLeeway},
		{"leeway too long", with(envLeeway, "6m"), nil, envLeeway},
		{"cooldown not a duration", with(envRefreshCooldown, "soon"), nil, envRefreshCooldown},
		{"cooldown zero", with(envRefreshCooldown, "0"), nil, envRefreshCooldown},
		{"max age negative", with(envMaxKeyAge, "-5m"), nil, envMaxKeyAge},
		{"database of another kind", with(envDatabaseURL, "mysql://db/x"), nil, envDatabaseURL},
		{"database path alone", with(envDatabaseURL, "gatehouse.db"), nil, envDatabaseURL},
		{"sqlite without a path", with(envDatabaseURL, "sqlite:"), nil, envDatabaseURL},
		{"sqlite:// without a path", with(envDatabaseURL, "sqlite://"), nil, envDatabaseURL},
		{"postgres URL malformed", with(envDatabaseURL, "postgres://u:hunter2@%zz/db"), nil, envDatabaseURL},
		{"postgres without //", with(envDatabaseURL, "postgres:db"), nil, envDatabaseURL},
		{"address without a port", with(envAddr, "8080"), nil, envAddr},
		{"address with a bad port", with(envAddr, ":99999"), nil, envAddr},
		{"address with a port name", with(envAddr, ":http"), nil, envAddr},
		{"PORT not a number", with(envPort, "eighty"), nil, envPort},
		{"PORT zero", with(envPort, "0"), nil, envPort},
		{"PORT too large", with(envPort, "65536"), nil, envPort},
		{"CORS wildcard", with(envCORSOrigins, "*"), nil, envCORSOrigins},
		{"CORS null", with(envCORSOrigins, "null"), nil, envCORSOrigins},
		{"CORS with a path", with(envCORSOrigins, "https://app.example.com/app"), nil, envCORSOrigins},
		{"CORS with a trailing slash", with(envCORSOrigins, "https://app.example.com/"), nil, envCORSOrigins},
		{"CORS without a scheme", with(envCORSOrigins, "app.example.com"), nil, envCORSOrigins},
		{"CORS empty item", with(envCORSOrigins, "https://a.example,,https://b.example"), nil, envCORSOrigins},
		{"log level unknown", with(envLogLevel, "verbose"), nil, envLogLevel},
		{"log format unknown", with(envLogFormat, "xml"), nil, envLogFormat},
		{"bad flag value", base, []string{"--leeway=forever"}, envLeeway},
		{"unknown flag", base, []string{"--verbose"}, "-verbose"},
		{"stray argument", base, []string{"now"}, "now"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadConfig(c.args, lookup(c.env))
			if err == nil {
				t.Fatal("loadConfig accepted the configuration")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q does not name %s", msg, c.want)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			for _, secret := range []string{secretA, secretB, short, "hunter2"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q shows a secret", msg)
				}
			}
		})
	}
}

func TestLoadConfig_Help(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		if _, err := loadConfig([]string{arg}, lookup(nil)); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: %v, want flag.ErrHelp", arg, err)
		}
	}
}
