import { version } from '../../package.json';

export const ELYGATE_VERSION: string = version;
