import { projectConfig } from '../../vitest.shared.js';

export default projectConfig('all-in-one');
