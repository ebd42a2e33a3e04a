package main

import (
	"fmt"
	"io"
	"strings"
)

// setting is one configuration value: an environment variable and the flag
// of the same meaning, which wins when both are given.
type setting struct {
	env   string
	flag  string
	arg   string // placeholder of the value in the help
	def   string // default, as the help tells it
	usage string
}

// The environment variables of the settings.
const (
	envBaseURL         = "BETTER_AUTH_URL"
	envJWKSURL         = "BETTER_AUTH_JWKS_URL"
	envSecret          = "BETTER_AUTH_SECRET"
	envSecrets         = "BETTER_AUTH_SECRETS"
	envIssuer          = "GATEHOUSE_ISSUER"
	envAudience        = "GATEHOUSE_AUDIENCE"
	envLeeway          = "GATEHOUSE_LEEWAY"
	envRefreshCooldown = "GATEHOUSE_JWKS_REFRESH_COOLDOWN"
	envMaxKeyAge       = "GATEHOUSE_JWKS_MAX_AGE"
	envInsecureJWKS    = "GATEHOUSE_INSECURE_HTTP_JWKS"
	envDatabaseURL     = "DATABASE_URL"
	envAddr            = "GATEHOUSE_ADDR"
	envPort            = "PORT"
	envCORSOrigins     = "GATEHOUSE_CORS_ORIGINS"
	envLogLevel        = "GATEHOUSE_LOG_LEVEL"
	envLogFormat       = "GATEHOUSE_LOG_FORMAT"
)

// settings lists every setting, in the order the help shows them.
func settings() []setting {
	return []setting{
		{envBaseURL, "better-auth-url", "URL", "none",
			"BetterAuth's base URL, such as https://app.example.com. Its " +
				"origin is the default issuer and audience, and it gives the " +
				"default JWKS URL."},
		{envJWKSURL, "jwks-url", "URL",
			"BETTER_AUTH_URL/api/auth/jwks, or BETTER_AUTH_URL/jwks when " +
				"BETTER_AUTH_URL has a path, as BetterAuth serves it",
			"Where BetterAuth's JWT plugin publishes its public keys."},
		{envSecret, "secret", "SECRET", "none",
			"BetterAuth's shared secret, for HS256 tokens; at least 32 bytes. " +
				"Prefer the variable: a flag shows in the process list."},
		{envSecrets, "secrets", "LIST", "none",
			"BetterAuth's versioned secrets, version:secret pairs separated " +
				"by commas, newest first; used with BETTER_AUTH_SECRET."},
		{envIssuer, "issuer", "ISS", "origin of BETTER_AUTH_URL",
			"The exact iss every token must carry."},
		{envAudience, "audience", "LIST", "origin of BETTER_AUTH_URL",
			"Accepted aud values, separated by commas; a token must name one."},
		{envLeeway, "leeway", "DURATION", "30s",
			"Clock skew allowed on exp, nbf and iat; more than 0, at most 5m."},
		{envRefreshCooldown, "jwks-refresh-cooldown", "DURATION", "5s",
			"Least time between two JWKS fetches caused by unknown key ids."},
		{envMaxKeyAge, "jwks-max-age", "DURATION", "10m",
			"How long a fetched key set is used before it is fetched again."},
		{envInsecureJWKS, "insecure-http-jwks", "BOOL", "false",
			"Allow fetching the JWKS over plain http from a host other than " +
				"localhost. Anyone on the network path could then forge " +
				"tokens: use it only on a private network you trust."},
		{envDatabaseURL, "database-url", "URL", "sqlite:gatehouse.db",
			"Where tasks are kept: sqlite:PATH or sqlite://PATH for an SQLite " +
				"file, or a postgres:// or postgresql:// URL."},
		{envAddr, "addr", "HOST:PORT", ":8080, or :$PORT when PORT is set",
			"Address to listen on."},
		{envCORSOrigins, "cors-origins", "LIST", "none",
			"Origins whose browser code may call the API, such as " +
				"https://app.example.com, separated by commas; no wildcard."},
		{envLogLevel, "log-level", "LEVEL", "info",
			"Least level logged: debug, info, warn or error."},
		{envLogFormat, "log-format", "FORMAT", "text",
			"Log line format: text or json."},
	}
}

// writeSettings writes the help of every setting.
func writeSettings(w io.Writer) {
	fmt.Fprintln(w, "Settings: each is an environment variable and a flag of the same")
	fmt.Fprintln(w, "meaning; the flag wins when both are given.")
	for _, s := range settings() {
		fmt.Fprintf(w, "\n  %s, --%s %s\n", s.env, s.flag, s.arg)
		for _, line := range wrap(s.usage, 66) {
			fmt.Fprintf(w, "      %s\n", line)
		}
		for _, line := range wrap("Default: "+s.def+".", 66) {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
	fmt.Fprintf(w, "\n  %s\n      The port to listen on when %s is not set, as hosting\n"+
		"      platforms set it.\n", envPort, envAddr)
	fmt.Fprintln(w, "\nAt least one key source is required: BETTER_AUTH_URL,")
	fmt.Fprintln(w, "BETTER_AUTH_JWKS_URL, BETTER_AUTH_SECRET or BETTER_AUTH_SECRETS.")
}

// wrap breaks text into lines of at most width bytes, between words.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

func writeHelp(w io.Writer) {
	fmt.Fprint(w, `gatehouse serves a task API for applications that sign their users in
with BetterAuth. It only verifies the tokens BetterAuth issues: the token's
subject is the caller, who may use /api/{user_id}/... only when the subject
is that user_id.

Usage:
  gatehouse serve [flags]    start the server
  gatehouse --help           show this help
  gatehouse serve --help     show the settings of serve

`)
	writeSettings(w)
}

func writeServeHelp(w io.Writer) {
	fmt.Fprint(w, `Usage: gatehouse serve [flags]

Serves the task API until SIGINT or SIGTERM, then lets the requests in
flight finish.

`)
	writeSettings(w)
}
