import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseConfig } from './src/config/configuration';
import { loadEnvFile } from './src/config/load-env-file';
import { buildDataSourceOptions } from './src/database/database.options';

// The TypeORM CLI's DataSource (npm run migration:run), built like the app's from the same validated config.
loadEnvFile();
export default new DataSource(buildDataSourceOptions(databaseConfig()));
