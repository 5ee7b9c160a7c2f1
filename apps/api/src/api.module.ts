import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsRegistry, OCTAVIA_CONFIG, OctaviaConfig } from '../../../libs/common/src';
import { dataSourceOptions } from '../../../libs/database/src';
import { PolicyService } from './auth/policy.service';
import { ApiCore } from './core/write-unit';
import { AmphoraProvider, FlowDispatcher } from './providers/amphora.provider';
import { NoopProvider } from './providers/noop.provider';
import { PROVIDER_DRIVERS, ProviderDriver } from './providers/provider-driver';
import { RootController } from './root.controller';
import { MetricsController } from './metrics.controller';
import { LoadBalancerController } from './resources/load-balancers/load-balancer.controller';
import { LoadBalancerService } from './resources/load-balancers/load-balancer.service';
import { RESOURCE_CONTROLLERS, RESOURCE_SERVICES } from './resources/resources';

export const FLOW_DISPATCHER = Symbol('FLOW_DISPATCHER');
export const API_METRICS = Symbol.for('octavia-ts.api-metrics');

@Module({})
export class ApiModule {
  static forRoot(config: OctaviaConfig, dispatcher: FlowDispatcher, metrics: MetricsRegistry): DynamicModule {
    return {
      module: ApiModule,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl!))],
      controllers: [RootController, MetricsController, LoadBalancerController, ...RESOURCE_CONTROLLERS],
      providers: [
        { provide: OCTAVIA_CONFIG, useValue: config },
        { provide: FLOW_DISPATCHER, useValue: dispatcher },
        { provide: API_METRICS, useValue: metrics },
        {
          provide: PROVIDER_DRIVERS,
          inject: [DataSource, FLOW_DISPATCHER],
          useFactory: (ds: DataSource, d: FlowDispatcher) => {
            const drivers = new Map<string, ProviderDriver>();
            drivers.set('amphora', new AmphoraProvider('amphora', d));
            drivers.set('noop_driver', new NoopProvider(ds));
            return drivers;
          },
        },
        PolicyService,
        ApiCore,
        LoadBalancerService,
        ...RESOURCE_SERVICES,
      ],
    };
  }
}
