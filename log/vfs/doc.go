// Package vfs is the small filesystem interface Skiff's storage code uses,
// so tests can put a fault-injecting filesystem under a real log.
//
// It owns two implementations:
//
//   - OS, the operating system's filesystem (package os), and
//   - FaultFS, a wrapper that fails chosen operations on command: the Nth
//     write with ENOSPC, a short (torn) write, a failed fsync or truncate,
//     and a simulated crash after which nothing more reaches the disk.
//
// Invariants: every File is also an os-level file descriptor (Fd), because
// the log mmaps its active indexes; FaultFS therefore wraps the OS and
// cannot intercept writes made through a mapping. Errors are returned as the
// os package returns them (*fs.PathError wrapping a syscall.Errno), so
// callers can test them with errors.Is(err, syscall.ENOSPC).
//
// The package must not know about logs, segments or Kafka; it holds no
// global mutable state.
package vfs
