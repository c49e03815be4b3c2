// Worker-thread bootstrap: registers tsx's loader in this thread, then loads the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./trial-thread.ts');
