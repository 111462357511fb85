// The package's I/O part (`@cirrus/kafka-protocol/client`): a client connection and SASL/SCRAM on it.
export * from "./kafka-client-connection.ts";
export * from "./scram-client.ts";
