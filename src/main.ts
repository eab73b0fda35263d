import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Module, Controller, Get } from '@nestjs/common';
@Controller() class C { @Get('health') h() { return { ok: true }; } }
@Module({ controllers: [C] }) class AppModule {}
async function main() {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter());
  await app.listen(3000, '127.0.0.1');
  console.log('up');
}
void main();
