package betterauth

import (
	"sync"
	"time"
)

// tokenCache remembers verified tokens so that a token seen again skips the
// signature check. It holds at most size entries; each expires when its
// token does, or earlier when the key that verified it may have been
// withdrawn. It is safe for concurrent use.
type tokenCache struct {
	mu      sync.RWMutex
	size    int
	entries map[string]cacheEntry
}

type cacheEntry struct {
	p     *Principal
	until time.Time
}

func newTokenCache(size int) *tokenCache {
	if size <= 0 {
		return nil
	}
	return &tokenCache{size: size, entries: make(map[string]cacheEntry)}
}

func (c *tokenCache) get(tok string, now time.Time) *Principal {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	e, ok := c.entries[tok]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return nil
	}
	return e.p
}

func (c *tokenCache) put(tok string, p *Principal, until time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.size {
		c.evict()
	}
	c.entries[tok] = cacheEntry{p: p, until: until}
}

// evict drops one entry. Map iteration starts at a random place, so the
// victim is chosen at random, which needs no bookkeeping on the read path.
func (c *tokenCache) evict() {
	for k := range c.entries {
		delete(c.entries, k)
		return
	}
}

func (c *tokenCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
