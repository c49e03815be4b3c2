export * from './gp.ts';
export * from './kernel.ts';
export * from './sample.ts';
