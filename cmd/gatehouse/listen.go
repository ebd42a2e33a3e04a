package main

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// defaultDatabase is the SQLite file used when DATABASE_URL is not set.
const defaultDatabase = "gatehouse.db"

// database reads DATABASE_URL: sqlite:PATH, sqlite://PATH, or a postgres://
// or postgresql:// URL. An error never shows the URL, which may hold a
// password.
func (l *loader) database() database {
	s, ok := l.values[envDatabaseURL]
	if !ok {
		return database{engine: "sqlite", path: defaultDatabase}
	}
	scheme, rest, _ := strings.Cut(s, ":")
	switch strings.ToLower(scheme) {
	case "sqlite":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			l.fail(invalid(envDatabaseURL, "names no SQLite file: use sqlite:PATH"))
		}
		return database{engine: "sqlite", path: path}
	case "postgres", "postgresql":
		if _, err := url.Parse(s); err != nil || !strings.HasPrefix(rest, "//") {
			l.fail(invalid(envDatabaseURL, "is not a valid postgres:// URL"))
		}
		return database{engine: "postgres", url: s}
	}
	l.fail(invalid(envDatabaseURL, "must be sqlite:PATH or a postgres:// URL"))
	return database{}
}

// addr reads GATEHOUSE_ADDR, or else PORT.
func (l *loader) addr() string {
	if s, ok := l.values[envAddr]; ok {
		_, port, err := net.SplitHostPort(s)
		if err != nil || !validPort(port, 0) {
			l.fail(invalid(envAddr, "must be HOST:PORT or :PORT, such as :8080"))
		}
		return s
	}
	if s, ok := l.values[envPort]; ok {
		if !validPort(s, 1) {
			l.fail(invalid(envPort, "must be a port number from 1 to 65535"))
		}
		return ":" + s
	}
	return ":8080"
}

func validPort(s string, least int) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= least && n <= 65535 &&
		strings.Trim(s, "0123456789") == ""
}

// origins reads GATEHOUSE_CORS_ORIGINS: exact origins, each a scheme, a
// host and an optional port, as browsers send them in the Origin header.
func (l *loader) origins() []string {
	list := l.list(envCORSOrigins)
	for i, o := range list {
		u, err := url.Parse(o)
		switch {
		case o == "*" || o == "null":
			l.fail(invalid(envCORSOrigins, "%q is not allowed: list exact origins", o))
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") ||
			u.Host == "" || u.User != nil || u.Path != "" ||
			u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?"):
			l.fail(invalid(envCORSOrigins, "item %d must be an origin such as "+
				"https://app.example.com, with no path", i+1))
		default:
			list[i] = strings.ToLower(o)
		}
	}
	return list
}
