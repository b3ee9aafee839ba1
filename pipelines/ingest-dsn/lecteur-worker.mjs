// Worker thread bootstrap: worker threads do not inherit the tsx loader of the main thread, so register it here
// before loading the TypeScript reader.
import { register } from 'tsx/esm/api';

register();
await import('./lecteur-worker.ts');
