// Package servertest starts a real, in-process Skiff node for tests: the
// same server.Node `skiff server` runs, on 127.0.0.1 listeners with ports
// the OS picks, its log dir under t.TempDir(), and stopped by t.Cleanup.
//
//	n := servertest.Start(t, servertest.Override("auto.create.topics.enable", "false"))
//	cl := n.Client(kgo.DefaultProduceTopic("t"))
//	adm := n.Admin()
//	n.Restart() // clean stop, then start again on the same dirs and ports
//
// Start returns only once the node is ready (server.Node.Ready is nil), or
// fails the test after a bounded wait. Restart keeps the ports it first
// bound, so clients made before a restart reconnect to the same address.
//
// The package holds no state between nodes and starts no goroutine that
// outlives a node's Close, so callers can check for leaks with goleak.
// It must not be imported by non-test code.
package servertest
