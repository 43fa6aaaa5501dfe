/** A container's record (container.json): what it was created as. Values only; imports nothing of tspod. */
import type { Endpoint, PortBinding } from './network.ts';

/** Names users give containers and networks (docker's rule). */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface Mount {
  type: 'bind' | 'volume';
  source: string;
  destination: string;
  readOnly: boolean;
  name?: string;
}

export interface ContainerRecord {
  /** Set (never stored) on the stand-in for a record that could not be read: why. */
  damaged?: string;
  id: string;
  name: string;
  created: string;
  /** The image as the user named it, and its id. */
  image: string;
  imageId: string;
  /** diffIDs of the image, base first. */
  layers: string[];
  config: {
    /** argv the container runs (entrypoint + cmd resolved). */
    entrypoint: string[];
    cmd: string[];
    env: string[];
    workingDir: string;
    user: string;
    hostname: string;
    tty: boolean;
    openStdin: boolean;
    labels: Record<string, string>;
    stopSignal?: string;
  };
  hostConfig: {
    autoRemove: boolean;
    readOnly: boolean;
    /** pasta, slirp4netns, host, none, container:ID, or a user-defined network's name. */
    networkMode: string;
    /** Published ports, host ports already chosen. */
    portBindings?: PortBinding[];
    dns?: string[];
    dnsSearch?: string[];
    /** --add-host entries as NAME:IP (host-gateway already resolved). */
    extraHosts?: string[];
    /** The user-mode stack of a container on user-defined networks (its way out). */
    outbound?: 'pasta' | 'slirp4netns';
    /** User-defined networks the container is on (its NetworkMode is the first), with its address there. */
    networks?: Record<string, Endpoint>;
    /** --link NAME:ALIAS, NAME being the linked container's name when created. */
    links?: string[];
    mounts: Mount[];
    /** no, always, unless-stopped, on-failure[:N]. */
    restartPolicy: string;
  };
}
