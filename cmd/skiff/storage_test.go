package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/skiffhq/skiff/log/metaprops"
)

func TestStorageCommands(t *testing.T) {
	r := runCLI(t, "", "storage", "random-uuid").ok(t)
	id := strings.TrimSpace(r.out)
	if err := metaprops.ValidateUUID(id); err != nil {
		t.Fatalf("random-uuid printed %q: %v", r.out, err)
	}

	dirs := filepath.Join(t.TempDir(), "a") + "," + filepath.Join(t.TempDir(), "b")
	runCLI(t, "", "storage", "format", "--log-dirs", dirs).fails(t, "--cluster-id is required")
	r = runCLI(t, "", "storage", "format", "-t", id, "--log-dirs", dirs, "--node-id", "1").ok(t)
	if strings.Count(r.out, "Formatted ") != 2 || !strings.Contains(r.out, "cluster.id="+id) {
		t.Errorf("format output:\n%s", r.out)
	}
	runCLI(t, "", "storage", "format", "--cluster-id", id, "--log-dirs", dirs).fails(t, "already formatted", "--ignore-formatted")
	r = runCLI(t, "", "storage", "format", "--cluster-id", id, "--log-dirs", dirs, "--ignore-formatted").ok(t)
	if strings.Count(r.out, "Skipped ") != 2 {
		t.Errorf("ignore-formatted output:\n%s", r.out)
	}
	other := metaprops.RandomUUID()
	runCLI(t, "", "storage", "format", "--cluster-id", other, "--log-dirs", dirs, "-g").fails(t, "cluster.id="+id, other)
	m, err := metaprops.Read(strings.Split(dirs, ",")[0])
	if err != nil || m.ClusterID != id || m.NodeID != 1 {
		t.Errorf("meta.properties %+v %v", m, err)
	}
}
