package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/betterauth"
)

// requestInfo is what the request log line tells beyond the request
// itself. The logging middleware puts it in the request context and the
// handlers fill it in; a request is served by one goroutine at a time.
type requestInfo struct {
	subject string // the verified subject, once the token verified
	code    string // the problem code of an error response
	err     error  // the internal error the client was not told about
	stack   []byte // the stack of a recovered panic
}

type infoKey struct{}

func infoFrom(r *http.Request) *requestInfo {
	info, _ := r.Context().Value(infoKey{}).(*requestInfo)
	return info
}

// noteError keeps the first internal error of a request for its log line.
func noteError(r *http.Request, err error) {
	if info := infoFrom(r); info != nil && info.err == nil {
		info.err = err
	}
}

// statusWriter remembers the status of the response it writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs one line for every request, after it is served, and turns a
// panic into a 500 internal error. The line names the route pattern, not
// the path, and never a header: the Authorization header holds a token.
func observe(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}

		aborted := serveRecovering(sw, r, next)

		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", r.Pattern),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
		}
		if info.subject != "" {
			attrs = append(attrs, slog.String("subject", info.subject))
		}
		if info.code != "" {
			attrs = append(attrs, slog.String("code", info.code))
		}
		level := slog.LevelInfo
		if info.err != nil {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", info.err.Error()))
		}
		if info.stack != nil {
			attrs = append(attrs, slog.String("stack", string(info.stack)))
		}
		log.LogAttrs(r.Context(), level, "request", attrs...)

		if aborted {
			// Let the server cut the connection.
			panic(http.ErrAbortHandler)
		}
	})
}

// serveRecovering serves r with next and recovers a panic: the client gets
// a 500 when nothing was written yet. It reports whether the connection
// must be aborted: next panicked with http.ErrAbortHandler, or after it
// had begun its response.
func serveRecovering(w *statusWriter, r *http.Request, next http.Handler) (aborted bool) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			aborted = true
			return
		}
		err := fmt.Errorf("panic: %v", v)
		if info := infoFrom(r); info != nil {
			info.stack = debug.Stack()
		}
		if w.status == 0 {
			writeError(w, r, err)
			return
		}
		// The client has a status already and must not take a cut-off
		// body for a whole one: the connection is dropped.
		noteError(r, err)
		aborted = true
	}()
	next.ServeHTTP(w, r)
	return false
}

// own wraps h so that it runs only for a caller whose bearer token verifies
// and whose subject is the {user_id} of the path, byte for byte as the
// router unescaped it. The token is checked first, so a bad token on
// another user's path is a 401, never a 403.
// authError writes the response for a refused token. When the keys are
// unavailable, the log line also gets the reason the last key fetch
// failed, which the client is not told.
func (h *handler) authError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, betterauth.ErrKeysUnavailable) {
		if cause := h.verifier.KeysError(); cause != nil {
			err = fmt.Errorf("%w: %w", err, cause)
		}
	}
	writeError(w, r, err)
}

func own(auth func(http.Handler) http.Handler, h http.HandlerFunc) http.Handler {
	return auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := betterauth.PrincipalFrom(r.Context())
		if !ok {
			writeError(w, r, fmt.Errorf("no principal after authentication"))
			return
		}
		if info := infoFrom(r); info != nil {
			info.subject = p.Subject
		}
		if p.Subject != r.PathValue("user_id") {
			// The same answer whether or not that user has any data.
			writeError(w, r, errorf(codeForbidden,
				"The token does not grant access to this user's resources."))
			return
		}
		if !gatehouse.Storable(p.Subject) || len(p.Subject) > gatehouse.MaxUserIDLength {
			// A signed token may carry any subject; no store can
			// keep this one.
			writeError(w, r, gatehouse.Invalid("user_id",
				"must be valid UTF-8 without NUL characters, at most 255 bytes"))
			return
		}
		h(w, r)
	}))
}

// corsMethods are the methods a cross-origin caller may use.
const corsMethods = "GET, POST, PUT, PATCH, DELETE"

// cors answers CORS preflight requests (Fetch standard §3.2) from the
// listed origins and marks their responses readable. Origins compare
// exactly; there is no wildcard. Credentials (cookies) are never allowed:
// the API reads its token only from the Authorization header.
func cors(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Values("Origin")
		if len(origin) != 1 || !allowed[origin[0]] {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin[0])
		if r.Method == http.MethodOptions &&
			r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Location, Retry-After, WWW-Authenticate")
		next.ServeHTTP(w, r)
	})
}
