// Package sqlite keeps tasks in a SQLite database file through a pure Go
// driver, so the server builds without cgo.
//
// A Store writes through a single connection and reads through a small pool
// of others. SQLite admits one writer at a time anyway; queueing writers in
// the process, rather than letting them race for the file lock, keeps
// SQLITE_BUSY out of the way. The database runs in WAL mode, so readers
// never wait for the writer nor the writer for readers.
//
// The write-ahead log stays small. Every statement is read to its end and
// closed before the call returns, and no transaction outlives a call: an
// open read holds a snapshot that keeps checkpoints from recycling the
// log, which would then grow for as long as writes go on. Even short reads
// can do that when they follow each other without a gap, so once the log
// outgrows Config.WALLimit the write that found it so also empties it,
// waiting for the reads under way to finish.
//
// One process should own a database file. A second process on the same
// file works, its writes waiting up to the busy timeout for the lock, but
// two processes that start at once may both try to apply a migration.
package sqlite
