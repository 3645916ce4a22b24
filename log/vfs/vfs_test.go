package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	fsys := OS()
	path := filepath.Join(t.TempDir(), "checkpoint")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFileAtomic(fsys, path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(fsys, path)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q %v, want %q", got, err, content)
		}
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatal("temporary file left behind")
	}
}

func TestWriteFileAtomicKeepsOldContentsOnFailure(t *testing.T) {
	ffs := NewFaultFS(OS())
	path := filepath.Join(t.TempDir(), "checkpoint")
	if err := WriteFileAtomic(ffs, path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ffs.Inject(Fault{Op: OpSync, Path: "checkpoint.tmp"})
	if err := WriteFileAtomic(ffs, path, []byte("new"), 0o644); !errors.Is(err, syscall.EIO) {
		t.Fatalf("err %v", err)
	}
	if got, _ := ReadFile(ffs, path); string(got) != "old" {
		t.Fatalf("contents %q after a failed replace", got)
	}
}

func TestFaultFSFailsTheChosenOperation(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS(OS())
	f, err := ffs.OpenFile(filepath.Join(dir, "a.log"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	other, err := ffs.OpenFile(filepath.Join(dir, "b.index"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ffs.Inject(Fault{Op: OpWrite, Path: ".log", Skip: 1, Err: syscall.ENOSPC})
	if _, err := f.Write([]byte("one")); err != nil {
		t.Fatalf("first write: %v", err)
	}
	if _, err := other.Write([]byte("other file")); err != nil {
		t.Fatalf("unmatched path: %v", err)
	}
	if _, err := f.Write([]byte("two")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("second write: %v", err)
	}
	if _, err := f.Write([]byte("three")); err != nil {
		t.Fatalf("a fault fires once by default: %v", err)
	}
	if ffs.Injected() != 1 {
		t.Fatalf("injected %d", ffs.Injected())
	}
	data, _ := os.ReadFile(filepath.Join(dir, "a.log"))
	if string(data) != "onethree" {
		t.Fatalf("file holds %q", data)
	}
}

func TestFaultFSShortWrite(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS(OS())
	f, _ := ffs.OpenFile(filepath.Join(dir, "x"), os.O_RDWR|os.O_CREATE, 0o644)
	defer f.Close()
	ffs.Inject(Fault{Op: OpWrite, ShortWrite: 4})
	n, err := f.WriteAt([]byte("abcdefgh"), 0)
	if n != 4 || !errors.Is(err, syscall.EIO) {
		t.Fatalf("wrote %d, err %v", n, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "x"))
	if string(data) != "abcd" {
		t.Fatalf("torn write left %q", data)
	}
}

func TestFaultFSCrash(t *testing.T) {
	dir := t.TempDir()
	ffs := NewFaultFS(OS())
	f, _ := ffs.OpenFile(filepath.Join(dir, "seg.log"), os.O_RDWR|os.O_CREATE, 0o644)
	defer f.Close()
	ffs.CrashAfter(".log", 10)
	if _, err := f.Write([]byte("0123456")); err != nil {
		t.Fatal(err)
	}
	n, err := f.Write([]byte("789abc"))
	if n != 3 || !errors.Is(err, ErrCrashed) || !ffs.Crashed() {
		t.Fatalf("crossing write: %d %v", n, err)
	}
	for name, op := range map[string]func() error{
		"write":    func() error { _, err := f.Write([]byte("x")); return err },
		"truncate": func() error { return f.Truncate(0) },
		"sync":     func() error { return f.Sync() },
		"rename":   func() error { return ffs.Rename(filepath.Join(dir, "seg.log"), filepath.Join(dir, "y")) },
		"create": func() error {
			_, err := ffs.OpenFile(filepath.Join(dir, "new"), os.O_CREATE|os.O_WRONLY, 0o644)
			return err
		},
	} {
		if err := op(); !errors.Is(err, ErrCrashed) {
			t.Errorf("%s after crash: %v", name, err)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "seg.log"))
	if string(data) != "0123456789" {
		t.Fatalf("disk holds %q", data)
	}
	buf := make([]byte, 4)
	if _, err := f.ReadAt(buf, 0); err != nil {
		t.Fatalf("reads still work after a crash: %v", err)
	}
	ffs.Reset()
	if _, err := f.Write([]byte("z")); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}
