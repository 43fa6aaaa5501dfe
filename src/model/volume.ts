/** A volume's record (volumes/NAME/volume.json): what it was created as. Values only; imports nothing of tspod. */

/** Names users give volumes (docker's rule, as for containers). */
export const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface VolumeRecord {
  name: string;
  driver: 'local';
  labels: Record<string, string>;
  /** --opt KEY=VALUE of `volume create` (type, device, o). */
  options: Record<string, string>;
  created: string;
  /** Made for one container (`-v /path`, the image's VOLUME): removed with it by `rm -v` and `--rm`. */
  anonymous: boolean;
}
