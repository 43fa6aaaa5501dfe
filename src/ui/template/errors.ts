/** Template errors: user errors (exit 125), worded as Go's (`template: NAME:LINE: ...`). */
import { TspodError } from '../../errors.ts';

export class TemplateError extends TspodError {
  constructor(message: string) {
    super('ERR_TSPOD_USAGE', message);
  }
}
