'use client';
// Charts of the overview: spend per day and spend by model. Numbers people compare are charts.
import { AreaChart, BarList, Card, Title } from '@tremor/react';

const usd = (value: number) => `$${value >= 100 ? value.toFixed(0) : value.toFixed(value >= 1 ? 2 : 4)}`;

export function SpendByDayChart({ data }: { data: { day: string; Spend: number; Requests: number }[] }) {
  return (
    <Card data-testid="spend-by-day">
      <Title>Spend per day (USD)</Title>
      <AreaChart className="mt-4 h-64" data={data} index="day" categories={['Spend']} colors={['blue']} valueFormatter={usd} showAnimation={false} />
    </Card>
  );
}

export function SpendByModelList({ data }: { data: { name: string; value: number }[] }) {
  return (
    <Card data-testid="spend-by-model">
      <Title>Spend by model</Title>
      <BarList className="mt-4" data={data} valueFormatter={usd} />
    </Card>
  );
}
