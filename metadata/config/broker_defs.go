package config

// Why Skiff accepts some broker keys without acting on them.
const (
	unusedThreads = "Skiff runs each connection and background task on goroutines; Kafka's thread-pool sizes are ignored"
	unusedPlugin  = "Skiff does not load Java plugin classes; the value is ignored"
	unusedQuota   = "Skiff does not enforce client quotas yet; the value is ignored"
	unusedPurge   = "Skiff's purgatories remove completed requests at once; the value is ignored"
)

// brokerDefList is every broker config in the catalogue.
func brokerDefList() []Def {
	var all []Def
	for _, part := range [][]Def{
		nodeDefs(), listenerDefs(), securityDefs(),
		logDefs(), topicDefaultDefs(), replicationDefs(),
		groupDefs(), transactionDefs(),
	} {
		all = append(all, part...)
	}
	return all
}

// nodeDefs: identity, roles, the KRaft quorum and the metadata log.
func nodeDefs() []Def {
	return []Def{
		def("process.roles", TypeList, "broker,controller",
			"Roles of this node: broker (serves clients), controller (votes in the metadata quorum), or both.",
			nonEmptyList(listOf("broker", "controller"))),
		def("node.id", TypeInt, "1",
			"Id of this node, unique in the cluster; a controller's id must appear in controller.quorum.voters.",
			atLeast(0)),
		noDefault("broker.id", TypeInt,
			"Older name of node.id; when both are set they must be equal.",
			atLeast(0)),
		def("controller.quorum.voters", TypeList, "1@127.0.0.1:9093",
			"The controller quorum as id@host:port,...",
			quorumVoters),
		def("controller.quorum.bootstrap.servers", TypeList, "",
			"host:port,... of controllers to discover the quorum from (KIP-853), instead of a fixed controller.quorum.voters.",
			hostPortList),
		def("controller.listener.names", TypeString, "CONTROLLER",
			"Names of the listeners controllers use, comma-separated; the first is the one brokers connect to.",
			listenerNames),
		def("controller.quorum.election.timeout.ms", TypeInt, "1000",
			"Longest time without a leader before a controller starts an election.", atLeast(0)),
		def("controller.quorum.fetch.timeout.ms", TypeInt, "2000",
			"Longest time without hearing from the leader before a voter suspects it.", atLeast(0)),
		def("controller.quorum.election.backoff.max.ms", TypeInt, "1000",
			"Longest backoff before a new election.", atLeast(0)),
		def("controller.quorum.request.timeout.ms", TypeInt, "2000",
			"Timeout of a request to another controller.", atLeast(0)),
		def("controller.quorum.retry.backoff.ms", TypeInt, "20",
			"Wait before retrying a failed request to another controller.", atLeast(0)),
		def("controller.quorum.append.linger.ms", TypeInt, "25",
			"How long the leader batches metadata records before appending them.", atLeast(0)),
		noDefault("metadata.log.dir", TypeString,
			"Directory of the metadata log; when unset, the first of log.dirs.", nil),
		def("metadata.log.segment.bytes", TypeInt, "1073741824",
			"Segment size of the metadata log.", atLeast(1)),
		def("metadata.log.segment.ms", TypeLong, week,
			"Age at which a metadata log segment is rolled.", atLeast(1)),
		def("metadata.max.retention.bytes", TypeLong, "104857600",
			"Size of metadata log kept behind the latest snapshot; -1 is no limit.", nil),
		def("metadata.max.retention.ms", TypeLong, week,
			"Age of metadata log kept behind the latest snapshot; -1 is no limit.", nil),
		def("metadata.log.max.record.bytes.between.snapshots", TypeLong, "20971520",
			"Bytes of metadata records after which a new snapshot is taken.", atLeast(1)),
		def("metadata.log.max.snapshot.interval.ms", TypeLong, "3600000",
			"Longest time between metadata snapshots when there are new records; 0 disables time-based snapshots.", atLeast(0)),
		def("metadata.max.idle.interval.ms", TypeInt, "500",
			"How often the active controller appends a no-op record so followers see the log advance.", atLeast(0)),
		def("broker.heartbeat.interval.ms", TypeInt, "2000",
			"Interval between a broker's heartbeats to the active controller.", atLeast(1)),
		def("broker.session.timeout.ms", TypeInt, "9000",
			"A broker whose heartbeats stop for this long is fenced by the controller.", atLeast(1)),
		def("initial.broker.registration.timeout.ms", TypeInt, "60000",
			"How long a starting broker tries to register before giving up.", atLeast(1)),
		noDefault("broker.rack", TypeString,
			"Rack of this broker, for rack-aware replica placement.", nil),
		noDefault("cluster.id", TypeString,
			"Skiff: cluster id (22-character base64url) to format empty log dirs with; when unset a formatted dir's id is used, or a new one.", nil),
		def("http.listener", TypeString, "127.0.0.1:9644",
			"Skiff: host:port of the HTTP endpoints /healthz, /readyz and /metrics; empty turns them off.",
			hostPortOrEmpty),
		def("background.threads", TypeInt, "10",
			"Kafka's background thread pool size.", atLeast(1)).unused(unusedThreads),
	}
}

// listenerDefs: listeners and the socket server.
func listenerDefs() []Def {
	return []Def{
		def("listeners", TypeString, "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
			"Addresses to listen on as NAME://host:port,...; an empty host or 0.0.0.0 binds every interface.",
			listenerList),
		noDefault("advertised.listeners", TypeString,
			"Addresses clients and other nodes are told to connect to, as NAME://host:port,...; when unset, the listeners. Must be reachable from the clients: never 0.0.0.0.",
			listenerList),
		def("listener.security.protocol.map", TypeString,
			"PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
			"Security protocol of each listener name, as NAME:PROTOCOL,...", protocolMap),
		def("inter.broker.listener.name", TypeString, "PLAINTEXT",
			"Listener brokers use to replicate from each other.", listenerNames),
		def("security.inter.broker.protocol", TypeString, "PLAINTEXT",
			"Security protocol between brokers when inter.broker.listener.name is not set.",
			oneOf(securityProtocols...)),
		def("socket.send.buffer.bytes", TypeInt, "102400",
			"SO_SNDBUF of client sockets; -1 is the OS default.", nil),
		def("socket.receive.buffer.bytes", TypeInt, "102400",
			"SO_RCVBUF of client sockets; -1 is the OS default.", nil),
		def("socket.request.max.bytes", TypeInt, "104857600",
			"Largest request the broker reads; a bigger frame closes the connection.", atLeast(1)),
		def("socket.listen.backlog.size", TypeInt, "50",
			"Pending-connection backlog of each listener.", atLeast(1)),
		def("max.connections", TypeInt, intMax,
			"Most connections the broker accepts at once.", atLeast(0)),
		def("max.connections.per.ip", TypeInt, intMax,
			"Most connections accepted from one IP address.", atLeast(0)),
		def("max.connections.per.ip.overrides", TypeString, "",
			"Per-host overrides of max.connections.per.ip, as host:count,...", nil),
		def("max.connection.creation.rate", TypeInt, intMax,
			"Most new connections accepted per second.", atLeast(0)),
		def("connections.max.idle.ms", TypeLong, "600000",
			"Idle connections are closed after this long.", nil),
		def("queued.max.requests", TypeInt, "500",
			"Requests read from one connection before the broker stops reading it.", atLeast(1)),
		def("queued.max.request.bytes", TypeLong, "-1",
			"Bytes of queued requests before reading stops; -1 is no limit.", nil),
		def("num.network.threads", TypeInt, "3",
			"Kafka's network thread count.", atLeast(1)).unused(unusedThreads),
		def("num.io.threads", TypeInt, "8",
			"Kafka's request handler thread count.", atLeast(1)).unused(unusedThreads),
		def("fetch.max.bytes", TypeInt, "57671680",
			"Most bytes returned by one fetch request.", atLeast(1024)),
		def("max.incremental.fetch.session.cache.slots", TypeInt, "1000",
			"Incremental fetch sessions (KIP-227) kept per broker.", atLeast(0)),
		def("quota.window.num", TypeInt, "11",
			"Samples kept for client quotas.", atLeast(1)).unused(unusedQuota),
		def("quota.window.size.seconds", TypeInt, "1",
			"Length of a client quota sample.", atLeast(1)).unused(unusedQuota),
	}
}

// securityDefs: authentication and authorization.
func securityDefs() []Def {
	return []Def{
		def("authorizer.class.name", TypeString, "",
			"Authorizer plugin class.", nil).unused(unusedPlugin),
		def("super.users", TypeString, "",
			"Principals allowed everything, as User:name;User:other.", nil),
		def("sasl.enabled.mechanisms", TypeList, "GSSAPI",
			"SASL mechanisms the broker accepts.", nil),
		def("sasl.mechanism.inter.broker.protocol", TypeString, "GSSAPI",
			"SASL mechanism between brokers.", nil),
		def("sasl.mechanism.controller.protocol", TypeString, "GSSAPI",
			"SASL mechanism towards controllers.", nil),
		noDefault("sasl.jaas.config", TypePassword,
			"JAAS login configuration for SASL.", nil).sensitive(),
		def("connections.max.reauth.ms", TypeLong, "0",
			"Longest SASL session before re-authentication; 0 disables it.", nil),
		def("connection.failed.authentication.delay.ms", TypeInt, "100",
			"Delay before closing a connection that failed authentication.", atLeast(0)),
		noDefault("ssl.keystore.location", TypeString, "Keystore file of the broker's TLS key.", nil),
		noDefault("ssl.keystore.password", TypePassword, "Keystore password.", nil).sensitive(),
		noDefault("ssl.key.password", TypePassword, "Private key password.", nil).sensitive(),
		def("ssl.keystore.type", TypeString, "JKS", "Keystore format.", nil),
		noDefault("ssl.keystore.certificate.chain", TypePassword, "PEM certificate chain.", nil).sensitive(),
		noDefault("ssl.keystore.key", TypePassword, "PEM private key.", nil).sensitive(),
		noDefault("ssl.truststore.location", TypeString, "Truststore file.", nil),
		noDefault("ssl.truststore.password", TypePassword, "Truststore password.", nil).sensitive(),
		def("ssl.truststore.type", TypeString, "JKS", "Truststore format.", nil),
		noDefault("ssl.truststore.certificates", TypePassword, "PEM trusted certificates.", nil).sensitive(),
		def("ssl.client.auth", TypeString, "none",
			"Whether TLS clients must present a certificate.", oneOf("required", "requested", "none")),
		def("ssl.endpoint.identification.algorithm", TypeString, "https",
			"Host name verification of the peer's certificate; empty disables it.", nil),
		def("ssl.protocol", TypeString, "TLSv1.3", "TLS protocol used to build the TLS context.", nil),
		def("ssl.enabled.protocols", TypeList, "TLSv1.2,TLSv1.3", "TLS protocol versions accepted.", nil),
		def("ssl.cipher.suites", TypeList, "", "Cipher suites accepted; empty is the runtime's default.", nil),
	}
}
