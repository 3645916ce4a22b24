package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
)

// clusterDescription is `cluster info --format json`.
type clusterDescription struct {
	ClusterID  string              `json:"cluster_id"`
	Controller int32               `json:"controller"`
	Brokers    []brokerDescription `json:"brokers"`
}

type brokerDescription struct {
	ID   int32  `json:"id"`
	Host string `json:"host"`
	Port int32  `json:"port"`
	Rack string `json:"rack,omitempty"`
}

// clusterInfo shows the cluster id, the active controller and the brokers
// with the addresses they advertise.
func clusterInfo(ctx context.Context, w io.Writer, adm *kadm.Client, f outputFormat) error {
	m, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return fmt.Errorf("cluster info: %w", err)
	}
	d := clusterDescription{ClusterID: m.Cluster, Controller: m.Controller, Brokers: []brokerDescription{}}
	for _, b := range m.Brokers {
		bd := brokerDescription{ID: b.NodeID, Host: b.Host, Port: b.Port}
		if b.Rack != nil {
			bd.Rack = *b.Rack
		}
		d.Brokers = append(d.Brokers, bd)
	}
	slices.SortFunc(d.Brokers, func(a, b brokerDescription) int { return int(a.ID - b.ID) })
	if f == formatJSON {
		return writeJSON(w, d)
	}
	section(w, "CLUSTER")
	t := newTable(w)
	t.row("ID", d.ClusterID)
	t.row("CONTROLLER", d.Controller)
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	section(w, "BROKERS")
	t = newTable(w, "ID", "HOST", "PORT", "RACK")
	for _, b := range d.Brokers {
		id := strconv.Itoa(int(b.ID))
		if b.ID == d.Controller {
			id += "*" // rpk's mark for the active controller
		}
		rack := b.Rack
		if rack == "" {
			rack = "-"
		}
		t.row(id, b.Host, b.Port, rack)
	}
	return t.flush()
}
