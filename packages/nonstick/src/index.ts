export { loadConfig, defaultConfig, helpText, SETTINGS, ConfigError, type WorkerConfig } from './config.js';
export { createLogger, type Logger, type Level } from './logger.js';
export { startWorker, type RunningWorker, type EngineApp, type SocketIoApp } from './worker.js';
export { echoApp } from './demos/echo.js';
export { loadApp, AppError } from './app.js';
