package servertest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestStartProduceRestart(t *testing.T) {
	n := servertest.Start(t, servertest.Override("num.partitions", "3"))
	ctx := ctxT(t)
	if n.ClusterID() == "" || n.Addr() == "" || n.ControllerAddr() == "" || n.HTTPAddr() == "" {
		t.Fatalf("addresses: client %q controller %q http %q cluster %q", n.Addr(), n.ControllerAddr(), n.HTTPAddr(), n.ClusterID())
	}
	cl := n.Client(kgo.DefaultProduceTopic("t"), kgo.AllowAutoTopicCreation())
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("before")}).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	addr, id := n.Addr(), n.ClusterID()
	n.Restart()
	if n.Addr() != addr || n.ClusterID() != id {
		t.Errorf("after restart: addr %s cluster %s, want %s %s", n.Addr(), n.ClusterID(), addr, id)
	}
	// The client made before the restart reconnects to the same address.
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("after")}).FirstErr(); err != nil {
		t.Fatalf("produce after restart: %v", err)
	}
	tp, err := n.Admin().ListTopics(ctx, "t")
	if err != nil || len(tp["t"].Partitions) != 3 {
		t.Fatalf("topic t after restart: %+v %v (num.partitions override lost?)", tp, err)
	}
}

func TestHTTPReady(t *testing.T) {
	n := servertest.Start(t)
	resp, err := http.Get("http://" + n.HTTPAddr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d %s", resp.StatusCode, body)
	}
}

func TestSecondNodeOnLeftoverDir(t *testing.T) {
	dir := t.TempDir()
	first := servertest.Start(t, servertest.LogDir(dir), servertest.WithoutHTTP())
	id := first.ClusterID()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if first.Server() != nil {
		t.Error("closed node still has a server")
	}
	second := servertest.Start(t, servertest.LogDir(dir))
	if second.ClusterID() != id {
		t.Errorf("cluster id %s on the same dir, want %s", second.ClusterID(), id)
	}
}

func TestStructuralOverrideRefused(t *testing.T) {
	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		servertest.Start(ft, servertest.Override("listeners", "PLAINTEXT://127.0.0.1:1"))
	}()
	<-done
	if !strings.Contains(ft.msg, "listeners") {
		t.Errorf("fatal message %q", ft.msg)
	}
}

// fatalRecorder records Fatalf instead of failing, ending the goroutine as
// t.Fatalf does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestCleanCloseIsNotAFailure(t *testing.T) {
	n := servertest.Start(t, servertest.WithoutHTTP())
	srv := n.Server()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(); err != nil {
		t.Errorf("Wait after a clean Close = %v, want nil", err)
	}
}
