package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/skiffhq/skiff"

// layers is the dependency direction of DESIGN.md, top to bottom: a
// package may import from its own layer's subtree and from layers below,
// never from above.
var layers = []string{"cmd", "wire", "group", "replication", "metadata", "log"}

// goPackage is what `go list -json` says about one package.
type goPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find this file's path")
	}
	return filepath.Dir(filepath.Dir(file))
}

// layerOf returns the index in layers of a module package, or -1 for e2e
// and anything outside the layering.
func layerOf(importPath string) int {
	rel, ok := strings.CutPrefix(importPath, module+"/")
	if !ok {
		return -1
	}
	top, _, _ := strings.Cut(rel, "/")
	for i, l := range layers {
		if l == top {
			return i
		}
	}
	return -1
}

// TestDependencyDirection enforces DESIGN.md: nothing imports upward
// (log knows nothing of metadata, metadata nothing of replication, ...),
// and package wire itself stays ignorant of partitions and groups (only
// its kafkaapi sub-package translates requests into calls on them).
func TestDependencyDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		from := layerOf(p.ImportPath)
		if from < 0 {
			continue
		}
		for _, imp := range p.Imports {
			to := layerOf(imp)
			if to >= 0 && to < from {
				t.Errorf("%s imports %s: %s may not depend on %s (DESIGN.md dependency direction)", p.ImportPath, imp, layers[from], layers[to])
			}
			if p.ImportPath == module+"/wire" && to > layerOf(module+"/wire") {
				t.Errorf("%s imports %s: the network layer must not know partitions, groups or metadata", p.ImportPath, imp)
			}
		}
	}
}

// forbiddenInServer are calls server code must not make: logs go through
// an injected zerolog logger, metrics through an injected registry.
var forbiddenInServer = []struct {
	re   *regexp.Regexp
	why  string
	skip func(importPath string) bool
}{
	{regexp.MustCompile(`\bfmt\.Print(f|ln)?\(`), "print to stdout; log with the injected zerolog logger", isCLI},
	{regexp.MustCompile(`"log"$`), "the standard library logger; use the injected zerolog logger", isHCLogAdapter},
	{regexp.MustCompile(`\bprometheus\.(MustRegister|Register|DefaultRegisterer|DefaultGatherer)\b`), "the global Prometheus registry; register on the injected one", nil},
	{regexp.MustCompile(`zerolog/log"`), "zerolog's global logger; inject a zerolog.Logger", nil},
}

// isHCLogAdapter exempts the raft log adapter: hclog.Logger's interface
// demands a *log.Logger (StandardLogger), which it builds on zerolog.
func isHCLogAdapter(importPath string) bool { return importPath == module+"/metadata/quorum" }

// isCLI reports the one package whose job is printing to a terminal.
func isCLI(importPath string) bool { return importPath == module+"/cmd/skiff" }

// TestServerCodeRules checks the project rules a compiler cannot: no stdout
// printing, no global logger or metrics registry outside the CLI.
func TestServerCodeRules(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, f := range p.GoFiles {
			src, err := readLines(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range src {
				for _, rule := range forbiddenInServer {
					if rule.skip != nil && rule.skip(p.ImportPath) {
						continue
					}
					if rule.re.MatchString(strings.TrimSpace(line)) {
						t.Errorf("%s:%d: %s", filepath.Join(p.ImportPath, f), i+1, rule.why)
					}
				}
			}
		}
	}
}
