/** An image's record in the store's images.json. Values only; imports nothing of tspod. */

export interface ImageRecord {
  /** sha256 digest of the config blob. */
  id: string;
  /** Fully qualified names, e.g. docker.io/library/busybox:latest. */
  repoTags: string[];
  /** repo@sha256:<manifest digest>. */
  repoDigests: string[];
  /** Digest of the (platform) image manifest blob. */
  manifestDigest: string;
  /** diffIDs, base layer first. */
  layers: string[];
  /** Uncompressed size of all layers. */
  size: number;
  /** From the config. */
  created: string;
  /** When it was pulled or built here. */
  stored: string;
}
