from django.core.management.base import BaseCommand

from members import demo as members_demo
from news import demo as news_demo
from newsletter import demo as newsletter_demo


class Command(BaseCommand):
    help = "Load the demo content. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        loaders = [news_demo.load, members_demo.load, news_demo.link_members, newsletter_demo.load]
        for loader in loaders:
            loader(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo content is loaded."))
