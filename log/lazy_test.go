package log

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// openResources counts this process's mappings and descriptors of files
// under dir, from /proc/self/maps and /proc/self/fd.
func openResources(t *testing.T, dir string) (maps, fds int) {
	t.Helper()
	data, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, dir) {
			maps++
		}
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(target, dir) {
			fds++
		}
	}
	return maps, fds
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func TestLazyPartitionsHoldNoFilesOrMappings(t *testing.T) {
	const partitions = 2000
	dir := t.TempDir()
	m := newTestManager(t, testManagerConfig(dir))
	before := heapInUse()
	logs := make([]*Log, partitions)
	for p := range logs {
		l, err := m.GetOrCreate("idle", int32(p), topicID(1), DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		logs[p] = l
	}
	perPartition := (int64(heapInUse()) - int64(before)) / partitions
	t.Logf("heap per idle partition: %d bytes", perPartition)
	if perPartition > 16<<10 {
		t.Errorf("an idle partition costs %d bytes of heap; 10,000 must fit well under 300 MiB", perPartition)
	}
	if maps, fds := openResources(t, dir); maps != 0 || fds != 0 {
		t.Fatalf("%d new partitions hold %d mappings and %d descriptors", partitions, maps, fds)
	}
	// Some partitions get data: each then maps its active indexes.
	for p := 0; p < partitions; p += 100 {
		mustAppend(t, logs[p], buildBatch(plainBatch(2, 0)), 1)
	}
	if maps, _ := openResources(t, dir); maps != 2*partitions/100 {
		t.Fatalf("%d mappings for %d active segments", maps, partitions/100)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if maps, fds := openResources(t, dir); maps != 0 || fds != 0 {
		t.Fatalf("after Close: %d mappings, %d descriptors", maps, fds)
	}

	// Only partitions that got data have a directory: an idle one costs no
	// inode. Reopening them all (some with data) reads what it needs and
	// keeps nothing open.
	m2 := newTestManager(t, testManagerConfig(dir))
	defer m2.Close()
	if got := len(m2.Existing()); got != partitions/100 {
		t.Fatalf("found %d partition directories on disk, want %d (the ones with data)", got, partitions/100)
	}
	for p := range partitions {
		l, err := m2.GetOrCreate("idle", int32(p), topicID(1), DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(map[bool]int{true: 2}[p%100 == 0]); l.EndOffset() != want {
			t.Fatalf("partition %d reopened at %d", p, l.EndOffset())
		}
	}
	if maps, fds := openResources(t, dir); maps != 0 || fds != 0 {
		t.Fatalf("reopened partitions hold %d mappings and %d descriptors", maps, fds)
	}
}
