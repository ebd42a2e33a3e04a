package main

import (
	"cmp"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/betterauth"
)

// verifierConfig reads the settings of token verification.
func (l *loader) verifierConfig() betterauth.Config {
	v := l.values
	cfg := betterauth.Config{
		BaseURL:         v[envBaseURL],
		JWKSURL:         v[envJWKSURL],
		Issuer:          v[envIssuer],
		Audience:        l.list(envAudience),
		Leeway:          l.duration(envLeeway, betterauth.MaxLeeway),
		RefreshCooldown: l.duration(envRefreshCooldown, time.Hour),
		MaxKeyAge:       l.duration(envMaxKeyAge, 24*time.Hour),
	}
	if cfg.MaxKeyAge != 0 && cfg.MaxKeyAge < cmp.Or(cfg.RefreshCooldown, betterauth.DefaultRefreshCooldown) {
		l.fail(invalid(envMaxKeyAge, "must not be shorter than %s", envRefreshCooldown))
	}
	l.checkURL(envBaseURL)
	l.checkURL(envJWKSURL)
	listed := 0
	cfg.Secrets, listed = l.secrets()

	if cfg.BaseURL == "" && cfg.JWKSURL == "" && len(cfg.Secrets) == 0 && l.err == nil {
		l.fail(invalid("", "no key source: set %s, %s, %s or %s",
			envBaseURL, envJWKSURL, envSecret, envSecrets))
	}
	l.checkJWKSTransport()
	if l.err == nil {
		l.fail(settingOf(cfg.Validate(), listed))
		resolveDefaults(&cfg)
	}
	return cfg
}

// configFields maps the fields of betterauth.Config to their settings.
var configFields = map[string]string{
	"BaseURL": envBaseURL, "JWKSURL": envJWKSURL, "Issuer": envIssuer,
	"Audience": envAudience, "Leeway": envLeeway,
	"RefreshCooldown": envRefreshCooldown, "MaxKeyAge": envMaxKeyAge,
}

// settingOf turns betterauth's refusal of a configuration into one that
// names the setting at fault. The first listed secrets come from
// BETTER_AUTH_SECRETS, the one after them from BETTER_AUTH_SECRET.
func settingOf(err error, listed int) error {
	var ce *betterauth.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	msg := strings.TrimPrefix(ce.Error(), "betterauth: ")
	switch {
	case ce.Field == "Secrets" && ce.Index < listed:
		return invalid(envSecrets, "secret %d: %s", ce.Index+1, msg)
	case ce.Field == "Secrets":
		return invalid(envSecret, "%s", msg)
	case (ce.Field == "Issuer" || ce.Field == "Audience") && strings.HasPrefix(msg, "no "):
		return invalid(configFields[ce.Field], "is required when %s is not set", envBaseURL)
	}
	return invalid(configFields[ce.Field], "%s", msg)
}

// resolveDefaults fills in the durations left zero with the defaults
// betterauth would apply, so that the startup log shows them. The issuer,
// audience and JWKS URL are left for betterauth to derive.
func resolveDefaults(cfg *betterauth.Config) {
	if cfg.Leeway == 0 {
		cfg.Leeway = betterauth.DefaultLeeway
	}
	if cfg.RefreshCooldown == 0 {
		cfg.RefreshCooldown = betterauth.DefaultRefreshCooldown
	}
	if cfg.MaxKeyAge == 0 {
		cfg.MaxKeyAge = betterauth.DefaultMaxKeyAge
	}
}

// checkURL checks that the named setting, when given, is an absolute http
// or https URL without credentials.
func (l *loader) checkURL(env string) {
	s, ok := l.values[env]
	if !ok {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		l.fail(invalid(env, "must be an absolute http or https URL"))
	case u.User != nil:
		l.fail(invalid(env, "must not hold a user name or password"))
	case u.RawQuery != "" || u.Fragment != "":
		l.fail(invalid(env, "must not have a query or fragment"))
	}
}

// checkJWKSTransport refuses a JWKS fetched over plain http from another
// machine, unless that was allowed: whoever can change the answer can sign
// tokens that verify.
func (l *loader) checkJWKSTransport() {
	env := envJWKSURL
	if _, ok := l.values[env]; !ok {
		env = envBaseURL
	}
	u, err := url.Parse(l.values[env])
	if err != nil || u.Scheme != "http" || isLoopback(u.Hostname()) {
		return
	}
	insecure, err := strconv.ParseBool(l.valueOr(envInsecureJWKS, "false"))
	if err != nil {
		l.fail(invalid(envInsecureJWKS, "must be true or false"))
		return
	}
	if !insecure {
		l.fail(invalid(env, "fetches the JWKS over plain http from %s; use https, "+
			"or set %s=true on a private network you trust", u.Hostname(), envInsecureJWKS))
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secrets reads BETTER_AUTH_SECRETS, newest first, then BETTER_AUTH_SECRET
// unless the list already holds it. It also returns how many came from the
// list.
func (l *loader) secrets() ([]string, int) {
	var secrets []string
	if s, ok := l.values[envSecrets]; ok {
		list, err := betterauth.ParseSecrets(s)
		if err != nil {
			l.fail(invalid(envSecrets, "%v", err))
			return nil, 0
		}
		secrets = list
	}
	listed := len(secrets)
	if s, ok := l.values[envSecret]; ok && !slices.Contains(secrets, s) {
		secrets = append(secrets, s)
	}
	return secrets, listed
}
