/** Network values: modes, published ports, network records and a container's place on one. Values only; imports nothing of tspod. */

export type UserMode = 'pasta' | 'slirp4netns';

export type NetworkMode =
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: UserMode }
  | { kind: 'container'; ref: string }
  | { kind: 'network'; name: string };

export type Protocol = 'tcp' | 'udp';

export interface PortBinding {
  containerPort: number;
  protocol: Protocol;
  /** '' means every address (docker shows 0.0.0.0). */
  hostIp: string;
  /** 0 until a free port is chosen. */
  hostPort: number;
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: 'bridge';
  subnet: string;
  gateway: string;
  internal: boolean;
  created: string;
  labels: Record<string, string>;
}

/** A container's place on one network. */
export interface Endpoint {
  ip: string;
  aliases: string[];
}
