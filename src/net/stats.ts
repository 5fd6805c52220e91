// Protocol counters, named after the SNMP MIB objects Linux reports in
// /proc/net/snmp, plus ARP ones. Interface counters live on each Ifnet.
export interface NetStats {
  arpIn: number;
  arpRequestsSent: number;
  arpRepliesSent: number;
  arpProxyReplies: number;
  arpConflicts: number;
  ipInReceives: number;
  ipInHdrErrors: number;
  ipInAddrErrors: number;
  ipInUnknownProtos: number;
  ipInDelivers: number;
  ipReasmFails: number;
  /** Received with TTL 0: counted, still accepted (RFC 1122 3.2.1.7). */
  ipInTtlZero: number;
  ipOutRequests: number;
  ipOutNoRoutes: number;
  ipOutDiscards: number;
  icmpInMsgs: number;
  icmpInErrors: number;
  icmpInEchos: number;
  icmpInEchoReps: number;
  icmpOutEchoReps: number;
  icmpOutDestUnreachs: number;
  icmpOutRateLimited: number;
  udpInDatagrams: number;
  udpNoPorts: number;
  udpInErrors: number;
  udpOutDatagrams: number;
  /** Exceptions caught while handling a received frame (the frame is dropped, the device goes on). */
  inputFaults: number;
}

export function zeroNetStats(): NetStats {
  return {
    arpIn: 0,
    arpRequestsSent: 0,
    arpRepliesSent: 0,
    arpProxyReplies: 0,
    arpConflicts: 0,
    ipInReceives: 0,
    ipInHdrErrors: 0,
    ipInAddrErrors: 0,
    ipInUnknownProtos: 0,
    ipInDelivers: 0,
    ipReasmFails: 0,
    ipInTtlZero: 0,
    ipOutRequests: 0,
    ipOutNoRoutes: 0,
    ipOutDiscards: 0,
    icmpInMsgs: 0,
    icmpInErrors: 0,
    icmpInEchos: 0,
    icmpInEchoReps: 0,
    icmpOutEchoReps: 0,
    icmpOutDestUnreachs: 0,
    icmpOutRateLimited: 0,
    udpInDatagrams: 0,
    udpNoPorts: 0,
    udpInErrors: 0,
    udpOutDatagrams: 0,
    inputFaults: 0,
  };
}
