package http

import (
	"context"
	"net/http"
	"time"
)

// pingTimeout bounds the storage check of a readiness probe.
const pingTimeout = 2 * time.Second

// healthz answers liveness probes: the process serves requests.
func (h *handler) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers readiness probes: the storage answers and, with a JWKS,
// the signing keys are loaded. The reason for a 503 is given, but never the
// storage's error, which the log line records instead.
func (h *handler) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), pingTimeout)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		noteError(r, err)
		return errorf(codeUnavailable, "The database does not answer.")
	}
	if !h.verifier.Ready() {
		if err := h.verifier.KeysError(); err != nil {
			noteError(r, err)
		}
		return errorf(codeUnavailable, "The signing keys are not loaded yet.")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}
