export { logsCommand as default } from './manage.js';
