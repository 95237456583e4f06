export { stopCommand as default } from './manage.js';
