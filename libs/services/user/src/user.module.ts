import { Module } from '@nestjs/common';

/** The user service's features are built in their own issues; this module boots it. */
@Module({})
export class UserModule {}
